/**
 * Differential check of GETBIT, SETBIT, BITCOUNT, BITPOS and BITOP against a real Redis: short
 * random values (bytes chosen to put set and clear bits at the edges), offsets and ranges around
 * the edges, BIT / BYTE units and bad arguments, sent to a redis-server started here and to
 * Tessera's engine in-process; every reply is compared, and after SETBIT / BITOP the value (and
 * BITOP's expiry) too.
 *
 *   node --import tsx scripts/diff-bits.ts [--count 4000] [--seed 99]
 *
 * Needs `redis-server` on the PATH (apt-get install -y redis-server). Exits 1 on any difference.
 */
import { flag, prng, startRedis, tesseraEngine } from "./_redis-differential.js";

const COUNT = flag("count", 4000);
const rnd = prng(flag("seed", 99));
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const INDEXES = ["0", "1", "2", "3", "5", "7", "8", "9", "15", "16", "17", "23", "-1", "-2", "-3", "-8", "-9", "-17", "-100", "100", "x", "9223372036854775807", "-9223372036854775808"];
const index = (): string => pick(INDEXES);

function bytes(): string {
  const n = Math.floor(rnd() * 5);
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(pick([0, 0xff, 0x0f, 0xf0, 0x55, 0xaa, 0x80, 0x01, Math.floor(rnd() * 256)]));
  return s;
}

const redis = await startRedis();
const tessera = tesseraEngine();
/** Sets (or, when empty, half the time deletes) key on both sides. */
async function put(key: string, value: string): Promise<void> {
  const words = value === "" && rnd() < 0.5 ? ["DEL", key] : ["SET", key, value];
  await redis.command(...words);
  tessera.command(...words);
}

let differences = 0;
for (let n = 0; n < COUNT; n++) {
  const v = bytes();
  await put("k", v);
  const r = rnd();
  let args: string[];
  if (r < 0.15) args = ["GETBIT", "k", pick(["0", "3", "7", "8", "31", "40", "-1", "x", "4294967296", "4294967295"])];
  else if (r < 0.3) args = ["SETBIT", "k", pick(["0", "3", "7", "8", "31", "40", "-1", "x", "100"]), pick(["0", "1", "2", "-1", "x"])];
  else if (r < 0.6) args = ["BITCOUNT", "k", ...pick([[], [index(), index()], [index(), index(), pick(["BIT", "BYTE", "bit", "NOPE"])], [index()], [index(), index(), "BIT", "x"]])];
  else if (r < 0.85) args = ["BITPOS", "k", pick(["0", "1", "1", "0", "2", "x"]), ...pick([[], [index()], [index(), index()], [index(), index(), pick(["BIT", "BYTE", "NOPE"])], [index(), index(), "BIT", "x"]])];
  else {
    // BITOP over k and a second value, into d (which may already hold a value).
    await put("k2", bytes());
    if (rnd() < 0.5) {
      await redis.command("SET", "d", "old", "EX", "100");
      tessera.command("SET", "d", "old", "EX", "100");
    }
    args = ["BITOP", pick(["AND", "or", "XOR", "NOT", "nand"]), "d", ...pick([["k"], ["k", "k2"], ["k2", "missing"], ["k", "k2", "k"]])];
  }
  const want = [await redis.command(...args)];
  const got = [tessera.command(...args)];
  if (args[0] === "SETBIT" || args[0] === "BITOP") {
    const key = args[0] === "SETBIT" ? "k" : "d";
    want.push(await redis.command("GET", key), await redis.command("TTL", key));
    got.push(tessera.command("GET", key), tessera.command("TTL", key));
  }
  if (JSON.stringify(want) !== JSON.stringify(got) && ++differences <= 12) console.log(JSON.stringify({ value: [...Buffer.from(v, "latin1")], args, redis: want, tessera: got }));
}
console.log(`${differences} differences in ${COUNT} bit commands`);
redis.stop();
process.exit(differences === 0 ? 0 : 1);

/**
 * Differential check of INCRBYFLOAT against a real Redis: random values and increments
 * (decimal, exponents, hex, inf/nan, junk) go to a redis-server started here and to Tessera's
 * engine in-process, and every reply is compared, chained increments included.
 *
 *   node --import tsx scripts/diff-incrbyfloat.ts [--count 20000] [--seed 1] [--exp-range 80]
 *
 * Needs `redis-server` on the PATH (apt-get install -y redis-server); Redis on x86-64, where
 * long double is the 80-bit format Tessera emulates. Exits 1 on any difference.
 */
import { flag, prng, startRedis, tesseraEngine } from "./_redis-differential.js";

const COUNT = flag("count", 20_000);
const EXP_RANGE = flag("exp-range", 80);
const rnd = prng(flag("seed", 1));
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const SPECIAL = ["0.1", "0.2", "10.5", "-0.1", "1e3", "5.0e3", "3", "-3", "0", "-0", "1.", ".5", "0x10", "0x1.8p3", "inf", "-inf", "nan", "abc", " 1", "1 ", "", "1e4931", "1e-4950", "1e5000", "1e-5000"];

function number(): string {
  if (rnd() < 0.15) return pick(SPECIAL);
  const whole = Math.floor(rnd() * 10 ** Math.floor(rnd() * 12));
  const frac = Math.floor(rnd() * 10 ** Math.floor(rnd() * 18));
  const exp = rnd() < 0.3 ? `e${Math.floor(rnd() * EXP_RANGE) - Math.floor(EXP_RANGE / 2)}` : "";
  return `${rnd() < 0.3 ? "-" : ""}${whole}.${frac}${exp}`;
}

const redis = await startRedis();
const tessera = tesseraEngine();
let differences = 0;
for (let i = 0; i < COUNT; i++) {
  const value = number();
  await redis.command("SET", "k", value);
  tessera.command("SET", "k", value);
  for (const increment of [number(), number()]) {
    const want = await redis.command("INCRBYFLOAT", "k", increment);
    const got = tessera.command("INCRBYFLOAT", "k", increment);
    if (JSON.stringify(want) !== JSON.stringify(got) && ++differences <= 20) console.log(JSON.stringify({ value, increment, redis: want, tessera: got }));
  }
}
console.log(`${differences} differences in ${COUNT * 2} INCRBYFLOATs`);
redis.stop();
process.exit(differences === 0 ? 0 : 1);

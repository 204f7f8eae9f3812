/**
 * Differential check of LCS against a real Redis: random pairs of short strings over small
 * alphabets (so subsequences are long and ties frequent), with every option set and a few bad
 * ones, sent to a redis-server started here and to Tessera's engine in-process; every reply is
 * compared, structure and all.
 *
 *   node --import tsx scripts/diff-lcs.ts [--count 4000] [--seed 99] [--max-length 14]
 *
 * Needs `redis-server` on the PATH (apt-get install -y redis-server). Exits 1 on any difference.
 */
import { flag, prng, startRedis, tesseraEngine } from "./_redis-differential.js";

const COUNT = flag("count", 4000);
const MAX_LENGTH = flag("max-length", 14);
const rnd = prng(flag("seed", 99));
const OPTIONS = [[], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN"], ["IDX", "MINMATCHLEN", "2"], ["IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"], ["LEN", "IDX"], ["MINMATCHLEN", "x"], ["BOGUS"], ["IDX", "MINMATCHLEN", "-5"]];

function text(): string {
  const n = Math.floor(rnd() * (MAX_LENGTH + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += "abcd"[Math.floor(rnd() * (rnd() < 0.5 ? 2 : 4))];
  return s;
}

const redis = await startRedis();
const tessera = tesseraEngine();
let differences = 0;
for (let n = 0; n < COUNT; n++) {
  const a = text();
  const b = text();
  for (const [key, value] of [["ka", a], ["kb", b]] as const) {
    const words = value === "" && rnd() < 0.5 ? ["DEL", key] : ["SET", key, value];
    await redis.command(...words);
    tessera.command(...words);
  }
  const options = OPTIONS[Math.floor(rnd() * OPTIONS.length)]!;
  const want = await redis.command("LCS", "ka", "kb", ...options);
  const got = tessera.command("LCS", "ka", "kb", ...options);
  if (JSON.stringify(want) !== JSON.stringify(got) && ++differences <= 10) console.log(JSON.stringify({ a, b, options, redis: want, tessera: got }));
}
console.log(`${differences} differences in ${COUNT} LCS`);
redis.stop();
process.exit(differences === 0 ? 0 : 1);

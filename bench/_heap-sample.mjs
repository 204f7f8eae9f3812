/**
 * Loaded into the server under test by `pnpm bench kv --heap-sample DIR` (node --import, so in
 * the router thread and in every partition worker): V8's sampling heap profiler, counting
 * objects that the young and old collections already reclaimed, i.e. what each code path
 * allocates, not what it keeps. Every 5 s each thread rewrites DIR/heap-<pid>-<thread>.txt with
 * its top allocation sites since the server started (self bytes, with the three callers).
 * Fetching the profile allocates too: its own lines (node:inspector, _heap-sample.mjs) show up
 * in the list; leave them out when comparing. Plain JavaScript so it loads before tsx.
 */
import { Session } from "node:inspector";
import { threadId } from "node:worker_threads";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TESSERA_HEAP_SAMPLE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));
  const frame = (n) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop() || "(native)"}:${n.callFrame.lineNumber + 1}`;
  const write = async () => {
    const { profile } = await post("HeapProfiler.getSamplingProfile");
    const sites = new Map();
    const walk = (node, callers) => {
      const here = frame(node);
      if (node.selfSize > 0) {
        const key = [here, ...callers.slice(-3).reverse()].join(" <- ");
        sites.set(key, (sites.get(key) ?? 0) + node.selfSize);
      }
      for (const child of node.children) walk(child, [...callers, here]);
    };
    walk(profile.head, []);
    const total = [...sites.values()].reduce((a, b) => a + b, 0);
    const lines = [`thread ${threadId} (pid ${process.pid}): ${(total / 1e6).toFixed(1)} MB allocated (sampled) since start`];
    for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 30)) lines.push(`${(bytes / 1e6).toFixed(2).padStart(9)} MB  ${site}`);
    writeFileSync(join(dir, `heap-${process.pid}-${threadId}.txt`), `${lines.join("\n")}\n`);
  };
  await post("HeapProfiler.enable");
  await post("HeapProfiler.startSampling", { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  setInterval(() => void write().catch(() => {}), 5000).unref();
}

// The partition worker's entry point, in plain JavaScript on purpose. On Node 20, `--import tsx`
// in a worker's execArgv does not apply to the worker's own entry module (measured:
// ERR_UNKNOWN_FILE_EXTENSION for partition-worker.ts), so this script registers tsx's loader
// inside the worker first, then loads the TypeScript worker. Only runs from source use this
// file: the bundled server (scripts/build-server.ts) starts its dist/partition-worker-<hash>.mjs directly.
import { workerData } from "node:worker_threads";

if (workerData.entry.endsWith(".ts")) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(workerData.entry);

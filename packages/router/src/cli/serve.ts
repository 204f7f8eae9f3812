/**
 * `tessera serve [flags]`: parse the configuration, start the server, print one ready line,
 * stop gracefully on SIGINT/SIGTERM (exit 0). A second signal while stopping exits at once (1).
 */
import { ConfigError, exposureWarning, parseServeArgs, usage } from "../config.js";
import { TesseraServer } from "../server.js";

/** The line scripts wait for; keep its `key=value` words stable (the e2e helper parses them). */
export function readyLine(host: string, port: number, respPort: number, partitions: number, dataDir: string, adminPort = 0): string {
  const resp = respPort === 0 ? "off" : `${host}:${respPort}`;
  const admin = adminPort === 0 ? "off" : `${host}:${adminPort}`;
  return `tessera ready native=${host}:${port} resp=${resp} partitions=${partitions} data=${dataDir === "" ? "(in-memory)" : dataDir} admin=${admin} pid=${process.pid}`;
}

export async function serve(args: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseServeArgs(args);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`tessera serve: ${e.message}\n\n${usage()}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(usage() + "\n");
    return 0;
  }
  const config = parsed.config;
  const server = new TesseraServer({ config });
  let ports;
  try {
    ports = await server.start();
  } catch (e) {
    process.stderr.write(`tessera serve: could not start: ${(e as Error).message}\n`);
    await server.stop().catch(() => {});
    return 1;
  }
  // The signal handlers go in before the ready line: a supervisor may send SIGTERM as soon as
  // it reads that line, and this thread may be descheduled right after writing it (seen on a
  // loaded 2-vCPU machine: the default action killed the server, no graceful stop).
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C means "now". A repeated SIGTERM is ignored: supervisors (and
        // `timeout`, which signals the child and then its process group) may send two.
        if (signal !== "SIGINT") return;
        process.stderr.write("tessera: SIGINT again, exiting without waiting\n");
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`tessera: ${signal}, shutting down (finishing in-flight requests)\n`);
      server.stop().then(
        () => {
          process.stderr.write("tessera: stopped\n");
          resolve(0);
        },
        (e: unknown) => {
          process.stderr.write(`tessera: error while stopping: ${(e as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  process.stdout.write(readyLine(config.host, ports.port, ports.respPort, config.partitions, config.dataDir, ports.adminPort) + "\n");
  const warning = exposureWarning(config);
  if (warning !== null) process.stderr.write(warning + "\n");
  return stopped;
}

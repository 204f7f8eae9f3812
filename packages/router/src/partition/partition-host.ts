/**
 * The main thread's end of one partition: spawns the worker, writes requests into its request
 * ring, reads replies from its response ring, and restarts it when it dies.
 *
 * Requests: submit() encodes the record straight into the ring (unpublished) and marks the
 * host for the end-of-turn flush, which publishes the turn's batch and rings the doorbell once.
 * When the ring is full, records wait in a bounded overflow queue (copied, in order; nothing is
 * dropped) that is flushed as the worker frees space. The worker frees request space before it
 * publishes the replies of those requests, so every response wake-up is also the signal to
 * flush the overflow; the backstop check covers the rest.
 *
 * Replies: the host keeps one Atomics.waitAsync armed on the response doorbell (the main thread
 * never blocks), drains every published reply per wake-up, and calls onReply with a view into
 * the ring. Replies come back in request order, so in-flight tokens live in a FIFO and each
 * reply must match its head.
 *
 * Death: if the worker exits or throws unexpectedly, the host delivers the replies it had
 * already published, answers every other in-flight token with a TRYAGAIN error, calls onExit,
 * and starts a new worker on fresh rings (quick repeated crashes back off up to 5 s).
 */
import { Worker } from "node:worker_threads";
import type { CommandSpec } from "@tessera/proto";
import { RingConsumer, RingProducer, allocateRing, legalRingBytes } from "../ring/spsc-ring.js";
import {
  FORM_INLINE,
  FORM_LARGE,
  REQUEST_HEADER_BYTES,
  requestBodyBytes,
  writeRequestBody,
  writeRequestHeader,
} from "../ring/request-codec.js";
import { RESPONSE_FORM_LARGE, RESPONSE_HEADER_BYTES, encodeErrorReply } from "../ring/reply-codec.js";
import { scheduleFlush } from "./flush-scheduler.js";
import { TokenFifo } from "./token-fifo.js";
import type {
  HostToWorker,
  PartitionDurabilityConfig,
  PartitionEngineConfig,
  PartitionStatsMessage,
  PartitionWorkerData,
  WorkerToHost,
} from "./worker-protocol.js";
import { FSYNC_POLICY_CODES, SETTINGS_WORDS } from "./worker-protocol.js";
import { CommandTiming, type CommandStat } from "./command-timing.js";
import type { SlowCommand } from "../slowlog.js";

export type { PartitionDurabilityConfig, PartitionEngineConfig } from "./worker-protocol.js";

export interface PartitionHostOptions {
  id: number;
  engine: PartitionEngineConfig;
  dataDir: string | null;
  /** H6's DurabilityConfig; null = in-memory only. */
  durability: PartitionDurabilityConfig | null;
  /** Request ring data bytes (rounded up to a power of two; default 4 MiB). */
  requestRingBytes?: number;
  /** Response ring data bytes (rounded up to a power of two; default 4 MiB). */
  responseRingBytes?: number;
  /** One reply in the internal encoding (decode with decodeReply); valid only during the call. */
  onReply(token: number, reply: Uint8Array, offset: number): void;
  /** The worker died; its in-flight tokens were already answered with errors; it is restarting. */
  onExit(partitionId: number, error: Error): void;
  /** execArgv of the worker (default: workerExecArgvFrom(process.execArgv): the parent's per-thread options, without tsx loader flags). */
  workerExecArgv?: string[];
  /** Module exporting PartitionEngine (default "@tessera/partition"; tests may pass a fixture's URL). */
  engineModule?: string;
  /** How often the host checks for replies a lost notify left waiting (default 50 ms). */
  backstopMs?: number;
  /**
   * Hard cap on requests waiting for ring space; beyond it submit throws (a router bug). Pass
   * maxClients x maxInflightPerConnection, the most a router can have in flight. Default 2^24.
   */
  maxQueuedRequests?: number;
  /** Worker maintenance period: active expiry, durability ticks (default 10 ms). */
  maintenanceIntervalMs?: number;
  /** Keys expired per maintenance tick at most (default 200). */
  activeExpireMaxWork?: number;
  /** Stats period (default 1000 ms). */
  statsIntervalMs?: number;
  /** Requests per worker batch at most (default 1024). */
  maxBatchRequests?: number;
  /** Reply bytes after which a worker batch ends (default 1 MiB). */
  maxBatchReplyBytes?: number;
  /** Test only: lets diskFaultsForTesting() make the worker's disk fail (default false). */
  testDiskFaults?: boolean;
  /** Where the host reports worker deaths and worker log lines (default console.error). */
  log?: (line: string) => void;
  /** Commands the worker found slow (slowlog.ts), after the batch that ran them. */
  onSlowCommands?: (entries: SlowCommand[], dropped: number) => void;
  /** slowlog-log-slower-than in microseconds (< 0: off) and slowlog-max-len at start (default 10000, 128). */
  slowlogSlowerThanUs?: number;
  slowlogMaxLen?: number;
}

export interface PartitionRingStats {
  requestRingUsedBytes: number;
  responseRingUsedBytes: number;
  /** Backstop wake-ups that found work a lost notify should have announced (host + worker). */
  rescues: number;
  /** Request batches published (doorbells rung by the host). */
  batches: number;
  submitted: number;
  completed: number;
  /** Requests waiting in the overflow queue for ring space. */
  queuedRequests: number;
  /** Requests that ever had to wait in the overflow queue (the request ring was full). */
  queuedTotal: number;
  restarts: number;
}

import type { PartitionStats, PartitionTraffic } from "../partition-port.js";
export type { PartitionStats };

const DEFAULT_RING_BYTES = 4 * 1024 * 1024;
const LARGE_REQUEST_FORM_BYTES = REQUEST_HEADER_BYTES + 4;
/** Replies delivered per drain before the host yields the event loop to its sockets. */
const MAX_DRAIN_REPLIES = 65_536;
const RESTART_BACKOFF_MAX_MS = 5_000;
/** A worker that lived this long before dying is not "crashing in a loop". */
const STABLE_RUN_MS = 10_000;
const CLOSE_DRAIN_TIMEOUT_MS = 5_000;

/**
 * The worker's module. From source (tsx), partition-worker-entry.mjs registers tsx in the
 * worker and loads partition-worker.ts; in the bundled server (scripts/build-server.ts) the
 * worker bundle sits beside this one and starts directly, with no loader thread. Its file name
 * carries a hash of its content, written into this bundle at build time, so a rebuild of
 * dist/ under a running server never hands it a worker of other sources.
 */
declare const __TESSERA_PARTITION_WORKER__: string | undefined;
const RUNNING_FROM_SOURCE = import.meta.url.endsWith(".ts");
const BUNDLED_WORKER = typeof __TESSERA_PARTITION_WORKER__ === "string" ? __TESSERA_PARTITION_WORKER__ : "partition-worker.mjs";
const WORKER_MODULE = new URL(RUNNING_FROM_SOURCE ? "./partition-worker.ts" : `./${BUNDLED_WORKER}`, import.meta.url).href;
const WORKER_ENTRY = RUNNING_FROM_SOURCE ? new URL("./partition-worker-entry.mjs", import.meta.url) : new URL(WORKER_MODULE);

/** Node options that take their value as the next argument. */
const OPTIONS_WITH_VALUE = new Set([
  "--import", "--require", "-r", "--loader", "--experimental-loader", "--conditions", "-C", "--input-type",
  "--cpu-prof-dir", "--cpu-prof-name", "--cpu-prof-interval", "--heap-prof-dir", "--heap-prof-name", "--heap-prof-interval",
]);
/**
 * Per-thread Node options a worker accepts and partition code may rely on (module loading,
 * resolution conditions, warnings, experimental features, profiling). The others on a command line are
 * V8 or process-wide options (--max-old-space-size, --expose-gc, --v8-pool-size, --title ...):
 * they already apply to every thread, and a worker given one in execArgv refuses to start.
 */
const WORKER_OPTIONS = new Set([
  ...OPTIONS_WITH_VALUE,
  "--enable-source-maps", "--no-warnings", "--no-deprecation", "--trace-warnings", "--trace-deprecation", "--throw-deprecation", "--pending-deprecation", "--preserve-symlinks",
  // Profiling: each worker writes its own profile (pnpm bench kv --cpu-prof, pnpm bench profile).
  "--cpu-prof", "--heap-prof",
]);

/**
 * The worker's execArgv, from the parent's (`execArgv`): without its tsx loader flags (the
 * entry registers tsx itself; registering twice costs startup time) and without options a worker
 * may not take (see WORKER_OPTIONS): `node --max-old-space-size=4096 --import tsx … serve`
 * used to fail with ERR_WORKER_INVALID_EXEC_ARGV. Undefined when there is nothing to remove, so
 * Node's own inheritance applies.
 */
export function workerExecArgvFrom(execArgv: readonly string[]): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    const separateValue = eq < 0 && OPTIONS_WITH_VALUE.has(name) && i + 1 < execArgv.length;
    const value = separateValue ? execArgv[i + 1]! : eq > 0 ? a.slice(eq + 1) : "";
    if (separateValue) i++;
    if ((name === "--import" || name === "--loader" || name === "--experimental-loader") && value.startsWith("tsx")) continue;
    const keep = WORKER_OPTIONS.has(name) || /^--(no-)?experimental-/.test(name);
    if (!keep) continue;
    out.push(a);
    if (separateValue) out.push(value);
  }
  return out.length === execArgv.length ? undefined : out;
}

type HostState = "new" | "starting" | "running" | "down" | "closing" | "closed";

export class PartitionHost {
  readonly id: number;
  private options: PartitionHostOptions;
  private readonly onReply: (token: number, reply: Uint8Array, offset: number) => void;
  private readonly log: (line: string) => void;
  private readonly backstopMs: number;
  private readonly maxQueuedRequests: number;
  /** Run-time settings shared with the worker (worker-protocol.ts SETTINGS_WORDS). */
  private readonly settings: Int32Array;
  private readonly requestRingBytes: number;
  private readonly responseRingBytes: number;

  private state: HostState = "new";
  private generation = 0;
  private worker: Worker | null = null;
  private req!: RingProducer;
  private resp!: RingConsumer;
  /** Requests whose record ≥ this many bytes go out of band. */
  private largeRequestBytes = 0;

  private readonly fifo = new TokenFifo(4096);
  // Encoded request records waiting for ring space, oldest at overflowHead.
  private overflow: (Uint8Array | undefined)[] = [];
  private overflowHead = 0;
  // Large request bodies not yet posted (the worker is being restarted).
  private pendingLarge: { id: number; body: Uint8Array<ArrayBuffer> }[] = [];
  private nextLargeRequestId = 1;
  // Large reply bodies that arrived ahead of (or with) their ring records.
  private readonly largeReplies = new Map<number, Uint8Array>();
  private stalledOnLargeReply = false;

  private flushScheduled = false;
  /** Wake-ups (notifies) of request doorbells of workers that were replaced. */
  private wakeupsOfEarlierWorkers = 0;
  /** The worker's per-command figures, in shared memory the host keeps across worker restarts. */
  private readonly commandStatsBuffer = new SharedArrayBuffer(CommandTiming.bytes());
  private readonly commandTiming = new CommandTiming(this.commandStatsBuffer);
  private responseWaitPending = false;
  private onResponseWake: () => void = () => {};
  private backstopTimer: NodeJS.Timeout | null = null;
  private responsesStuckChecks = 0;

  private hostRescues = 0;
  private workerRescues = 0;
  private batches = 0;
  private submitted = 0;
  private completed = 0;
  private restarts = 0;
  private queuedTotal = 0;
  private consecutiveCrashes = 0;
  private spawnedAtMs = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private lastStats: PartitionStats | null = null;
  private statsWaiters: ((s: PartitionStatsMessage) => void)[] = [];
  private startResolve: (() => void) | null = null;
  private startReject: ((e: Error) => void) | null = null;
  private exitWaiter: (() => void) | null = null;

  constructor(options: PartitionHostOptions) {
    if (!Number.isInteger(options.id) || options.id < 0) throw new Error(`PartitionHost: bad partition id ${options.id}`);
    this.id = options.id;
    this.options = options;
    this.onReply = options.onReply;
    this.log = options.log ?? ((line) => console.error(line));
    this.backstopMs = options.backstopMs ?? 50;
    this.maxQueuedRequests = options.maxQueuedRequests ?? 1 << 24;
    this.requestRingBytes = legalRingBytes(options.requestRingBytes ?? DEFAULT_RING_BYTES);
    this.responseRingBytes = legalRingBytes(options.responseRingBytes ?? DEFAULT_RING_BYTES);
    this.settings = new Int32Array(new SharedArrayBuffer(SETTINGS_WORDS.count * 4));
    if (options.durability !== null) {
      this.settings[SETTINGS_WORDS.fsyncPolicy] = FSYNC_POLICY_CODES.indexOf(options.durability.fsync);
    }
    this.setSlowlog(options.slowlogSlowerThanUs ?? 10_000, options.slowlogMaxLen ?? 128);
  }

  /**
   * CONFIG SET slowlog-*: the worker reads the words at the start of each batch. They are Int32:
   * a threshold past 2^31-1 µs (35 min) or a length past 2^31-1 is the same as that in practice.
   */
  setSlowlog(slowerThanUs: number, maxLen: number): void {
    Atomics.store(this.settings, SETTINGS_WORDS.slowlogSlowerThanUs, Math.max(-1, Math.min(slowerThanUs, 0x7fffffff)));
    Atomics.store(this.settings, SETTINGS_WORDS.slowlogMaxLen, Math.max(0, Math.min(maxLen, 0x7fffffff)));
  }

  /** Per-command figures (INFO commandstats), read from the memory the worker counts in. */
  commandStats(): CommandStat[] {
    return this.commandTiming.stats();
  }

  /** Per-command latency bucket counts, a live view of the worker's shared figures. */
  commandLatency(): Float64Array {
    return this.commandTiming.latency;
  }

  /** CONFIG RESETSTAT: zero the per-command figures. */
  resetCommandStats(): void {
    this.commandTiming.reset();
  }

  /**
   * CONFIG SET appendfsync: the worker reads the word before it commits each batch, and this
   * store happens before any later request is written to the ring, so every write acknowledged
   * after this returns was committed under `policy`. Survives worker restarts.
   */
  setFsync(policy: "always" | "everysec" | "no"): void {
    const code = FSYNC_POLICY_CODES.indexOf(policy);
    if (code < 0) throw new RangeError(`fsync must be always|everysec|no, got ${String(policy)}`);
    Atomics.store(this.settings, SETTINGS_WORDS.fsyncPolicy, code);
  }

  /**
   * CONFIG SET maxmemory: this partition's new cap (0 = none). The running worker applies it
   * when it reads its messages (within its next turn); a restarted worker starts with it.
   */
  setMaxMemory(bytes: number): void {
    this.options.engine = { ...this.options.engine, maxMemoryBytes: bytes };
    this.postToWorker({ type: "set-max-memory", bytes });
  }

  /** Spawns the worker; resolves once it has recovered its data and serves requests. */
  start(): Promise<void> {
    if (this.state !== "new") return Promise.reject(new Error(`PartitionHost ${this.id}: start() called twice`));
    this.state = "starting";
    return new Promise<void>((resolve, reject) => {
      this.startResolve = resolve;
      this.startReject = reject;
      this.spawn();
    });
  }

  /**
   * Queues one request; the reply comes through onReply. argv is copied before this returns.
   * Throws when the host is closed or the overflow queue is at its hard cap (a router bug: the
   * router bounds in-flight requests per connection).
   */
  submit(token: number, spec: CommandSpec, argv: readonly Uint8Array[], clientId = 0): void {
    const state = this.state;
    if (state === "closing" || state === "closed" || state === "new") {
      throw new Error(`PartitionHost ${this.id}: submit() while ${state}`);
    }
    const queued = this.overflow.length - this.overflowHead;
    if (queued >= this.maxQueuedRequests) {
      throw new Error(`PartitionHost ${this.id}: ${queued} requests queued for ring space (cap ${this.maxQueuedRequests})`);
    }
    this.fifo.push(token >>> 0);
    this.submitted++;
    const bodyBytes = requestBodyBytes(argv);
    let recordBytes = REQUEST_HEADER_BYTES + bodyBytes;
    let largeId = 0;
    if (recordBytes > this.largeRequestBytes) {
      largeId = this.nextLargeRequestId++;
      const body = new Uint8Array(bodyBytes);
      writeRequestBody(body, new DataView(body.buffer), 0, argv);
      this.sendLarge(largeId, body);
      recordBytes = LARGE_REQUEST_FORM_BYTES;
    }
    if (queued === 0 && state !== "down") {
      const at = this.req.tryReserve(recordBytes);
      if (at >= 0) {
        this.writeRecord(this.req.bytes, this.req.view, at, token, spec.id, argv, largeId, clientId);
        this.markDirty();
        return;
      }
    }
    const record = new Uint8Array(recordBytes);
    this.writeRecord(record, new DataView(record.buffer), 0, token, spec.id, argv, largeId, clientId);
    this.overflow.push(record);
    this.queuedTotal++;
    this.markDirty();
  }

  /** Requests submitted and not yet answered (in the ring, in the worker, or queued). */
  get inFlight(): number {
    return this.fifo.length;
  }

  traffic(): PartitionTraffic {
    const live = this.worker !== null;
    return {
      requests: this.submitted,
      batches: this.batches,
      wakeups: this.wakeupsOfEarlierWorkers + (live ? this.req.dataDoorbell.notifies : 0),
      rescues: this.hostRescues + this.workerRescues,
    };
  }

  /** The worker is up and serving (not starting, restarting or closed). */
  get running(): boolean {
    return this.state === "running";
  }

  ringStats(): PartitionRingStats {
    const live = this.worker !== null;
    return {
      requestRingUsedBytes: live ? this.req.usedBytes() : 0,
      responseRingUsedBytes: live ? this.resp.usedBytes() : 0,
      rescues: this.hostRescues + this.workerRescues,
      batches: this.batches,
      submitted: this.submitted,
      completed: this.completed,
      queuedRequests: this.overflow.length - this.overflowHead,
      queuedTotal: this.queuedTotal,
      restarts: this.restarts,
    };
  }

  /** Last engine figures the worker reported (about once a second); null before the first. */
  stats(): PartitionStats | null {
    return this.lastStats;
  }

  /** Asks the worker for fresh figures now (tests, INFO on demand). */
  refreshStats(): Promise<PartitionStatsMessage> {
    return new Promise((resolve) => {
      this.statsWaiters.push(resolve);
      this.postToWorker({ type: "stats-request" });
    });
  }

  /** Publishes this turn's records and rings the worker's doorbell once. Idempotent. */
  flush(): void {
    this.flushScheduled = false;
    if (this.worker === null) return;
    if (this.overflowHead < this.overflow.length) this.flushOverflow();
    if (this.req.publish()) {
      this.batches++;
      this.req.dataDoorbell.ring();
    }
  }

  /** Test hook (DEBUG crash): the worker exits as if it crashed. */
  crashForTesting(): void {
    this.postToWorker({ type: "test-exit", code: 70 });
  }

  /** Test hook: kill the worker thread from outside, wherever it is (even mid-request). */
  terminateForTesting(): Promise<number> {
    return this.worker === null ? Promise.resolve(0) : this.worker.terminate();
  }

  /**
   * Test hook (needs the testDiskFaults option): the worker's disk writes and fsyncs fail while
   * `failing`; with `slowBackgroundSyncMs`, its background fdatasyncs return that late, failing.
   */
  diskFaultsForTesting(failing: boolean, slowBackgroundSyncMs = 0): void {
    if (this.options.testDiskFaults !== true) throw new Error("diskFaultsForTesting needs the testDiskFaults option");
    this.postToWorker({ type: "test-disk-faults", failing, slowBackgroundSyncMs });
  }

  /** Test hook: the next `count` doorbells of the given direction skip their notify. */
  skipNotifiesForTesting(direction: "requests" | "replies", count: number): void {
    if (direction === "requests") this.req.dataDoorbell.skipNotifies = count;
    else this.postToWorker({ type: "test-skip-notifies", count });
  }

  /**
   * Waits for in-flight requests (up to 5 s), then stops the worker. Requests still in flight
   * after that are answered with an error.
   */
  async close(): Promise<void> {
    if (this.state === "closed" || this.state === "closing") return;
    const wasDown = this.state === "down" || this.state === "new";
    this.state = "closing";
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (!wasDown && this.worker !== null) {
      this.flush();
      const deadline = Date.now() + CLOSE_DRAIN_TIMEOUT_MS;
      while (this.fifo.length > 0 && this.worker !== null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 2));
      }
      const worker = this.worker;
      if (worker !== null) {
        const exited = new Promise<void>((r) => (this.exitWaiter = r));
        worker.postMessage({ type: "shutdown" } satisfies HostToWorker);
        const timer = setTimeout(() => void worker.terminate(), CLOSE_DRAIN_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
    }
    this.failInFlight(`partition ${this.id} is shutting down; the request may or may not have been applied`, "ERR");
    this.state = "closed";
    this.stopBackstop();
  }

  private stopBackstop(): void {
    if (this.backstopTimer !== null) clearInterval(this.backstopTimer);
    this.backstopTimer = null;
  }

  // ---- requests -------------------------------------------------------------------------

  private writeRecord(bytes: Uint8Array, view: DataView, at: number, token: number, commandId: number, argv: readonly Uint8Array[], largeId: number, clientId: number): void {
    if (largeId !== 0) {
      writeRequestHeader(view, at, token, commandId, FORM_LARGE, clientId);
      view.setUint32(at + REQUEST_HEADER_BYTES, largeId, true);
    } else {
      writeRequestHeader(view, at, token, commandId, FORM_INLINE, clientId);
      writeRequestBody(bytes, view, at + REQUEST_HEADER_BYTES, argv);
    }
  }

  private sendLarge(id: number, body: Uint8Array<ArrayBuffer>): void {
    if (this.worker === null) {
      this.pendingLarge.push({ id, body });
      return;
    }
    this.worker.postMessage({ type: "large", id, body: body.buffer } satisfies HostToWorker, [body.buffer]);
  }

  private markDirty(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    scheduleFlush(this);
  }

  private flushOverflow(): void {
    const req = this.req;
    let head = this.overflowHead;
    const queue = this.overflow;
    while (head < queue.length) {
      const record = queue[head]!;
      const at = req.tryReserve(record.length);
      if (at < 0) break;
      req.bytes.set(record, at);
      queue[head++] = undefined;
    }
    if (head === queue.length) {
      this.overflow = [];
      this.overflowHead = 0;
    } else if (head > 4096 && head * 2 > queue.length) {
      this.overflow = queue.slice(head);
      this.overflowHead = 0;
    } else {
      this.overflowHead = head;
    }
  }

  // ---- replies ----------------------------------------------------------------------------

  /** Delivers every published reply (bounded per call). Returns how many. */
  private drainResponses(): number {
    const resp = this.resp;
    const view = resp.view;
    const bytes = resp.bytes;
    const onReply = this.onReply;
    let n = 0;
    while (n < MAX_DRAIN_REPLIES) {
      const at = resp.next();
      if (at < 0) break;
      const token = view.getUint32(at, true);
      let buf = bytes;
      let offset = at + RESPONSE_HEADER_BYTES;
      if (view.getUint32(at + 4, true) === RESPONSE_FORM_LARGE) {
        const id = view.getUint32(at + RESPONSE_HEADER_BYTES, true);
        const body = this.largeReplies.get(id);
        if (body === undefined) {
          // Its message is on the way (posted before the record); it drains again on arrival.
          resp.unread(at);
          this.stalledOnLargeReply = true;
          break;
        }
        this.largeReplies.delete(id);
        buf = body;
        offset = 0;
      }
      const expected = this.fifo.shift();
      if (expected !== token) {
        throw new Error(`PartitionHost ${this.id}: reply for token ${token} but ${expected} was next (ring corrupt)`);
      }
      this.completed++;
      n++;
      try {
        onReply(token, buf, offset);
      } catch (e) {
        // A router bug must not stall the ring: log it and keep delivering.
        this.log(`partition ${this.id}: onReply threw for token ${token}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      }
    }
    if (resp.release()) resp.spaceDoorbell.ring();
    // The worker frees request space before it publishes replies: flush what waits for it.
    if (this.overflowHead < this.overflow.length) this.flush();
    return n;
  }

  private waitForResponses(): void {
    if (this.responseWaitPending || this.worker === null) return;
    const resp = this.resp;
    const bell = resp.dataDoorbell;
    for (let round = 0; ; round++) {
      const seq = bell.prepareToSleep();
      if (resp.hasRecords() && !this.stalledOnLargeReply) {
        bell.awake();
        if (round >= 4) {
          // The worker keeps producing: give sockets a turn, then continue.
          setImmediate(this.continueResponses);
          return;
        }
        this.drainResponses();
        continue;
      }
      const result = bell.sleep(seq);
      if (!result.async) continue;
      this.responseWaitPending = true;
      result.value.then(this.onResponseWake, this.onWaitFailed);
      return;
    }
  }

  private readonly continueResponses = (): void => {
    if (this.worker === null) return;
    this.drainResponses();
    this.waitForResponses();
  };

  /**
   * The backstop against a lost reply notify (ring/doorbell.ts): replies published while the
   * wait is armed are delivered now and counted as a rescue. The wait stays armed; the next
   * notify resolves it. Also flushes requests that wait for ring space.
   */
  private readonly backstopCheck = (): void => {
    if (this.worker === null) return;
    const stuck = this.responseWaitPending && this.resp.hasRecords() && !this.stalledOnLargeReply;
    // One period of grace, so a wake-up already on its way is not counted as a rescue.
    this.responsesStuckChecks = stuck ? this.responsesStuckChecks + 1 : 0;
    if (this.responsesStuckChecks >= 2) {
      this.responsesStuckChecks = 0;
      this.hostRescues++;
      this.drainResponses();
    }
    if (this.overflowHead < this.overflow.length) this.flush();
  };

  private readonly onWaitFailed = (e: unknown): void => {
    this.log(`partition ${this.id}: Atomics.waitAsync failed: ${String(e)}`);
  };

  /** Per generation: a wake-up of an older generation's ring is ignored. */
  private makeResponseWake(generation: number): () => void {
    return () => {
      if (generation !== this.generation) return;
      this.responseWaitPending = false;
      if (this.worker === null) return;
      const resp = this.resp;
      resp.dataDoorbell.awake();
      this.drainResponses();
      this.waitForResponses();
    };
  }

  // ---- worker lifecycle -------------------------------------------------------------------

  private spawn(): void {
    const generation = ++this.generation;
    if (this.backstopTimer === null) {
      // Unref'd: a host must not keep the process alive; its sockets and workers do.
      this.backstopTimer = setInterval(this.backstopCheck, this.backstopMs);
      this.backstopTimer.unref();
    }
    const requestRing = allocateRing(this.requestRingBytes);
    const responseRing = allocateRing(this.responseRingBytes);
    // Carry the replaced worker's wake-up count over (the first spawn has no ring yet).
    if (this.generation > 1) this.wakeupsOfEarlierWorkers += this.req.dataDoorbell.notifies;
    this.req = new RingProducer(requestRing);
    this.resp = new RingConsumer(responseRing);
    // A quarter of the ring: a big record never makes the rest of a batch wait for a whole ring.
    this.largeRequestBytes = Math.min(this.req.maxPayloadBytes, this.requestRingBytes / 4);
    const o = this.options;
    const workerData: PartitionWorkerData = {
      partitionId: this.id,
      requestRing,
      responseRing,
      settings: this.settings.buffer as SharedArrayBuffer,
      commandStats: this.commandStatsBuffer,
      engine: o.engine,
      durability: o.durability,
      engineModule: o.engineModule ?? null,
      maintenanceIntervalMs: o.maintenanceIntervalMs ?? 10,
      activeExpireMaxWork: o.activeExpireMaxWork ?? 200,
      statsIntervalMs: o.statsIntervalMs ?? 1000,
      largeRecordThresholdBytes: Math.min(this.resp.maxPayloadBytes, this.responseRingBytes / 4),
      maxBatchRequests: o.maxBatchRequests ?? 1024,
      maxBatchReplyBytes: o.maxBatchReplyBytes ?? 1024 * 1024,
      testDiskFaults: o.testDiskFaults ?? false,
    };
    const worker = new Worker(WORKER_ENTRY, {
      workerData: { ...workerData, entry: WORKER_MODULE },
      execArgv: o.workerExecArgv ?? workerExecArgvFrom(process.execArgv),
      name: `tessera-partition-${this.id}`,
    });
    this.worker = worker;
    this.spawnedAtMs = Date.now();
    this.stalledOnLargeReply = false;
    this.responseWaitPending = false;
    this.onResponseWake = this.makeResponseWake(generation);
    let lastError: Error | null = null;
    worker.on("message", (m: WorkerToHost) => {
      if (generation === this.generation) this.onWorkerMessage(m);
    });
    worker.on("error", (e: Error) => {
      lastError = e;
    });
    worker.on("exit", (code: number) => {
      if (generation === this.generation) this.onWorkerExit(code, lastError);
    });
    for (const { id, body } of this.pendingLarge) this.sendLarge(id, body);
    this.pendingLarge = [];
    this.flush();
    this.waitForResponses();
  }

  private onWorkerMessage(m: WorkerToHost): void {
    switch (m.type) {
      case "ready":
        if (this.state === "starting" || this.state === "down") this.state = "running";
        if (m.recoveredKeys > 0) this.log(`partition ${this.id}: recovered ${m.recoveredKeys.toLocaleString("en-US")} keys in ${Math.round(m.recoveryMs)} ms`);
        this.startResolve?.();
        this.startResolve = null;
        this.startReject = null;
        break;
      case "stats": {
        this.workerRescues = m.rescues;
        this.lastStats = {
          keys: m.keys,
          keysWithExpiry: m.keysWithExpiry,
          usedBytes: m.usedBytes,
          reservedBytes: m.reservedBytes,
          expiredKeys: m.expiredKeys,
          keyspaceHits: m.keyspaceHits,
          keyspaceMisses: m.keyspaceMisses,
          walFsyncs: m.walFsyncs,
          walFsyncUs: m.walFsyncUs,
          walBytesWritten: m.walBytesWritten,
          lastSnapshotAtMs: m.lastSnapshotAtMs,
          snapshotInProgress: m.snapshotInProgress,
          lastSnapshotError: m.lastSnapshotError,
          changesSinceSnapshot: m.changesSinceSnapshot,
          walFailed: m.walFailed,
        };
        const waiters = this.statsWaiters;
        this.statsWaiters = [];
        for (const w of waiters) w(m);
        break;
      }
      case "large":
        this.largeReplies.set(m.id, new Uint8Array(m.body));
        if (this.stalledOnLargeReply) {
          this.stalledOnLargeReply = false;
          this.drainResponses();
          this.waitForResponses();
        }
        break;
      case "log":
        this.log(m.line);
        break;
      case "slowlog":
        this.options.onSlowCommands?.(m.entries, m.dropped);
        break;
    }
  }

  private onWorkerExit(code: number, error: Error | null): void {
    this.worker = null;
    // Whoever awaits fresh figures gets the last known ones rather than waiting forever.
    const waiters = this.statsWaiters;
    this.statsWaiters = [];
    const s = this.lastStats ?? { keys: 0, keysWithExpiry: 0, usedBytes: 0, reservedBytes: 0, expiredKeys: 0 };
    for (const w of waiters) {
      w({
        type: "stats",
        ...s,
        rescues: this.workerRescues,
        batches: 0,
        executed: 0,
        responseSpaceWaits: 0,
        keyspaceHits: s.keyspaceHits ?? 0,
        keyspaceMisses: s.keyspaceMisses ?? 0,
        walFsyncs: s.walFsyncs ?? 0,
        walFsyncUs: s.walFsyncUs ?? 0,
        walBytesWritten: s.walBytesWritten ?? 0,
        lastSnapshotAtMs: s.lastSnapshotAtMs ?? 0,
        snapshotInProgress: false,
        lastSnapshotError: s.lastSnapshotError ?? null,
        changesSinceSnapshot: s.changesSinceSnapshot ?? 0,
        walFailed: s.walFailed ?? null,
      });
    }
    if (this.exitWaiter !== null) {
      const w = this.exitWaiter;
      this.exitWaiter = null;
      w();
    }
    if (this.state === "closing" || this.state === "closed") return;
    // Replies the worker published before it died are real: deliver them first.
    try {
      this.drainResponses();
    } catch (e) {
      this.log(`partition ${this.id}: while draining a dead worker's replies: ${String(e)}`);
    }
    const reason = error !== null ? `${error.message}` : `exit code ${code}`;
    const failure = error ?? new Error(`partition ${this.id} worker exited with code ${code}`);
    const failed = this.failInFlight(
      `partition ${this.id} restarted after its worker died (${reason}); the request may or may not have been applied`,
      "TRYAGAIN",
    );
    this.log(`partition ${this.id}: worker died (${reason}); ${failed} in-flight request(s) failed; restarting`);
    if (this.startReject !== null) {
      // Died before it ever served: a configuration or recovery error. Do not loop.
      const reject = this.startReject;
      this.startResolve = null;
      this.startReject = null;
      this.state = "closed";
      this.stopBackstop();
      reject(failure);
      return;
    }
    this.restarts++;
    this.consecutiveCrashes = Date.now() - this.spawnedAtMs >= STABLE_RUN_MS ? 1 : this.consecutiveCrashes + 1;
    this.state = "down";
    try {
      this.options.onExit(this.id, failure);
    } catch (e) {
      this.log(`partition ${this.id}: onExit threw: ${String(e)}`);
    }
    const delay = this.consecutiveCrashes <= 1 ? 0 : Math.min(RESTART_BACKOFF_MAX_MS, 100 * 2 ** (this.consecutiveCrashes - 2));
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state === "down") this.spawn();
    }, delay);
  }

  /** Answers every in-flight and queued token with an error; returns how many. */
  private failInFlight(message: string, code: "TRYAGAIN" | "ERR"): number {
    this.overflow = [];
    this.overflowHead = 0;
    this.pendingLarge = [];
    this.largeReplies.clear();
    if (this.fifo.length === 0) return 0;
    const reply = encodeErrorReply(code, message);
    let n = 0;
    for (let token = this.fifo.shift(); token >= 0; token = this.fifo.shift()) {
      n++;
      this.completed++;
      try {
        this.onReply(token, reply, 0);
      } catch (e) {
        this.log(`partition ${this.id}: onReply threw for failed token ${token}: ${String(e)}`);
      }
    }
    return n;
  }

  private postToWorker(message: HostToWorker): void {
    this.worker?.postMessage(message);
  }
}

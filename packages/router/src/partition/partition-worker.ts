/**
 * Partition worker main: owns one PartitionEngine and serves the request ring.
 *
 * Loop ("pump"): drain up to one batch of requests from the request ring, execute each into
 * the RingReplyWriter (argv are views into the ring: the engine copies what it keeps), release
 * the request space, group-commit the batch (durability), copy the staged replies into the
 * response ring, publish them and ring the router's doorbell once. Between batches the event
 * loop gets a turn (setImmediate), so timers (active expiry, durability ticks, stats) and
 * control messages run. When the ring is empty the worker sleeps in Atomics.waitAsync on the
 * request doorbell; when the response ring is full it sleeps on that ring's space doorbell the
 * same way. The maintenance tick is the backstop against a lost notify (it finds the work and
 * counts a rescue). See ring/doorbell.ts for the protocol.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Cmd, COMMANDS, CommandFlag, Errors, type ReplySink } from "@tessera/proto";
import { RingConsumer, RingProducer } from "../ring/spsc-ring.js";
import {
  FORM_LARGE,
  REQUEST_HEADER_BYTES,
  readRequestBody,
  requestClientId,
  requestCommandId,
  requestForm,
  requestLargeId,
  requestToken,
} from "../ring/request-codec.js";
import {
  RESPONSE_FORM_INLINE,
  RESPONSE_FORM_LARGE,
  RESPONSE_HEADER_BYTES,
  RingReplyWriter,
  STAGED_WRITE,
  encodeErrorReply,
} from "../ring/reply-codec.js";
import { PartitionEngine as DefaultPartitionEngine, type EngineOptions, type PartitionEngine } from "@tessera/partition";
import { PartitionDurability, nodeFs, type DurabilityFs, type DurableEngine } from "@tessera/wal";
import type { HostToWorker, PartitionStatsMessage, PartitionWorkerData, WorkerToHost } from "./worker-protocol.js";
import { FSYNC_POLICY_CODES, SETTINGS_WORDS } from "./worker-protocol.js";
import { CommandTiming } from "./command-timing.js";
import { TransactionRunner } from "./transaction-runner.js";

// ---- the seams this worker drives ---------------------------------------------------------

/** What the worker needs of the engine: H1's PartitionEngine, or a transport-test fixture. */
type Engine = Pick<PartitionEngine, "execute" | "activeExpire" | "stats"> & Partial<Pick<PartitionEngine, "setMaxMemoryBytes" | "setWriteLog" | "setExpireHook" | "expireIfDue">>;
type EngineConstructor = new (options: EngineOptions) => Engine;

if (parentPort === null) throw new Error("partition-worker must run as a worker thread");
const port = parentPort;
const data = workerData as PartitionWorkerData;
const partitionId = data.partitionId;

const requests = new RingConsumer(data.requestRing);
const responses = new RingProducer(data.responseRing);
const writer = new RingReplyWriter();

// Request bodies too big for the ring, posted ahead of their ring records, by large id.
const largeBodies = new Map<number, Uint8Array>();
let nextLargeReplyId = 1;

let engine: Engine;
/** Null when the partition is in-memory only; every durability call sits behind it. */
let durability: PartitionDurability | null = null;
/** The engine seen through H6's seam; set exactly when `durability` is. */
let durableEngine: DurableEngine | null = null;

// ---- counters ------------------------------------------------------------------------------

let rescues = 0;
let batches = 0;
let executed = 0;
let responseSpaceWaits = 0;
/** INFO commandstats and the slowlog's raw material. */
const timing = new CommandTiming(data.commandStats);
/** EXEC, WATCH, UNWATCH (transaction-runner.ts). */
const transactions = new TransactionRunner({
  execute: (spec, argv, out) => engine.execute(spec, argv, out),
  get durability() {
    return durability;
  },
  get expireIfDue() {
    const e = engine;
    return e.expireIfDue === undefined ? null : (key: Uint8Array) => e.expireIfDue!(key);
  },
  get setExpireHook() {
    const e = engine;
    return e.setExpireHook === undefined ? null : (hook: ((key: Uint8Array) => void) | null) => e.setExpireHook!(hook);
  },
  get setWriteLog() {
    const e = engine;
    return e.setWriteLog === undefined ? null : (log: { append(argv: readonly Uint8Array[]): void } | null) => e.setWriteLog!(log);
  },
  timing,
  partitionId,
});

// ---- pump state ----------------------------------------------------------------------------

let started = false;
let stopping = false;
let pumpScheduled = false;
let requestWaitPending = false;
let spaceWaitPending = false;
/** Set after a batch executed: its commit result, applied while its replies are published. */
let batchCommitError: Error | null = null;
/** Staged replies already copied into the response ring. */
let publishedIndex = 0;
/** Encoded IOERR reply for the current batch's write replies when its commit failed. */
let ioErrorReply: Uint8Array | null = null;

const WRITE = CommandFlag.WRITE;
const ROUNDS_PER_TURN = 8;

function log(line: string): void {
  post({ type: "log", line: `partition ${partitionId}: ${line}` });
}

function post(message: WorkerToHost, transfer?: ArrayBuffer[]): void {
  port.postMessage(message, transfer);
}

/**
 * Executes up to one batch of requests. Returns how many ran. Stops early at a large record
 * whose body has not arrived yet (the body's message will re-run the pump).
 */
function executeBatch(): number {
  let n = 0;
  const failed = durability !== null ? durability.failed : null;
  const slowUs = Atomics.load(settings, SETTINGS_WORDS.slowlogSlowerThanUs);
  let last = performance.now();
  while (n < data.maxBatchRequests && writer.stagedBytes < data.maxBatchReplyBytes) {
    const offset = requests.next();
    if (offset < 0) break;
    const end = offset + requests.recordBytes;
    const view = requests.view;
    const token = requestToken(view, offset);
    const spec = COMMANDS[requestCommandId(view, offset)];
    if (spec === undefined) throw new Error(`request for unknown command id ${requestCommandId(view, offset)}`);
    let argv: Uint8Array[];
    if (requestForm(view, offset) === FORM_LARGE) {
      const id = requestLargeId(view, offset);
      const body = largeBodies.get(id);
      if (body === undefined) {
        requests.unread(offset);
        break;
      }
      largeBodies.delete(id);
      argv = readRequestBody(body, new DataView(body.buffer, body.byteOffset, body.byteLength), 0, body.length);
    } else {
      argv = readRequestBody(requests.bytes, view, offset + REQUEST_HEADER_BYTES, end);
    }
    const isTransaction = TransactionRunner.handles(spec.id);
    // EXEC is a write only once it ran writes (transaction-runner.ts sets the flag then): a refused
    // EXEC's reply (nil, IOERR "not run") must not be rewritten by the batch's commit.
    const isWrite = !isTransaction && (spec.flags & WRITE) !== 0;
    if (isWrite && failed !== null) {
      // Refused, not executed: its reply says so, and is not rewritten by the batch's commit.
      writer.begin(token, 0);
      writer.error("IOERR", `partition ${partitionId} cannot write to disk (${failed.message}); writes are refused until it recovers`);
      writer.end();
      timing.reject(spec.id);
      n++;
      last = performance.now();
      continue;
    }
    writer.begin(token, isWrite ? STAGED_WRITE : 0);
    try {
      if (isTransaction) {
        if (transactions.run(spec, argv, requestClientId(view, offset), writer, slowUs)) writer.setFlags(STAGED_WRITE);
      }
      else if (spec.id === CMD_BGSAVE || spec.id === CMD_LASTSAVE || spec.id === CMD_SAVE) snapshotCommand(spec.id, argv, writer);
      else engine.execute(spec, argv, writer);
      writer.end();
    } catch (e) {
      // A handler bug must not take the partition down with it, nor leave a half reply.
      const message = e instanceof Error ? e.message : String(e);
      log(`internal error executing ${spec.name}: ${e instanceof Error && e.stack ? e.stack : message}`);
      writer.rollBack();
      writer.error("ERR", `internal error in partition ${partitionId} executing '${spec.name}': ${message}`);
      writer.end();
    }
    const now = performance.now();
    const reply = writer.count - 1;
    // OOM is a refusal before the write (Redis counts it in rejected_calls); other errors are failures.
    const isError = writer.isError(reply);
    if (isError && writer.errorCodeIs(reply, "OOM")) timing.reject(spec.id);
    // EXEC's arguments are the packed transaction; its commands were logged each on its own.
    else timing.record(spec.id, (now - last) * 1000, isError, slowUs, spec.id === CMD_EXEC ? argv.slice(0, 1) : argv, requestClientId(view, offset));
    last = now;
    n++;
  }
  if (requests.release()) requests.spaceDoorbell.ring();
  if (timing.pendingSlow.length > 0) postSlowCommands();
  return n;
}

/** Posts the batch's slow commands: at most slowlog-max-len of them (the newest), and how many more there were. */
function postSlowCommands(): void {
  const entries = timing.takeSlow();
  const maxLen = Atomics.load(settings, SETTINGS_WORDS.slowlogMaxLen);
  const kept = entries.length > maxLen ? entries.slice(entries.length - maxLen) : entries;
  post({ type: "slowlog", entries: kept, dropped: entries.length - kept.length });
}

/**
 * Copies staged replies into the response ring. Returns false when the ring filled up first
 * (what was copied is published; the rest waits for space).
 */
function publishStaged(): boolean {
  const stage = writer.stage;
  const count = writer.count;
  // Fast path: the staged replies are framed as ring records already, so when none has to be
  // rewritten (IOERR after a failed commit) or sent out of band (too large for the ring), the
  // whole rest of the batch goes into the ring in one copy.
  if (
    publishedIndex < count &&
    ioErrorReply === null &&
    RESPONSE_HEADER_BYTES + writer.largestReply <= data.largeRecordThresholdBytes &&
    responses.tryWriteRecords(stage, writer.framedStart(publishedIndex), writer.stagedBytes)
  ) {
    responses.publish();
    responses.dataDoorbell.ring();
    writer.reset();
    publishedIndex = 0;
    return true;
  }
  const bytes = responses.bytes;
  const view = responses.view;
  let i = publishedIndex;
  for (; i < count; i++) {
    let src = stage;
    let start = writer.replyStart(i);
    let length = writer.replyEnd(i) - start;
    if (ioErrorReply !== null && (writer.flags(i) & STAGED_WRITE) !== 0) {
      src = ioErrorReply;
      start = 0;
      length = ioErrorReply.length;
    }
    if (RESPONSE_HEADER_BYTES + length > data.largeRecordThresholdBytes) {
      const at = responses.tryReserve(RESPONSE_HEADER_BYTES + 4);
      if (at < 0) break;
      const id = nextLargeReplyId++;
      const body = src.slice(start, start + length);
      // Posted before the record is published, so the host has it when it reads the record
      // (or waits for this message when it does not yet).
      post({ type: "large", id, body: body.buffer }, [body.buffer]);
      view.setUint32(at, writer.token(i), true);
      view.setUint32(at + 4, RESPONSE_FORM_LARGE, true);
      view.setUint32(at + 8, id, true);
    } else {
      const at = responses.tryReserve(RESPONSE_HEADER_BYTES + length);
      if (at < 0) break;
      view.setUint32(at, writer.token(i), true);
      view.setUint32(at + 4, RESPONSE_FORM_INLINE, true);
      const to = at + RESPONSE_HEADER_BYTES;
      if (length <= 64) {
        // Most replies are a few bytes: a loop beats allocating a subarray for TypedArray#set.
        for (let j = 0; j < length; j++) bytes[to + j] = src[start + j]!;
      } else {
        bytes.set(src.subarray(start, start + length), to);
      }
    }
  }
  if (i > publishedIndex) {
    responses.publish();
    responses.dataDoorbell.ring();
    publishedIndex = i;
  }
  if (i < count) return false;
  writer.reset();
  publishedIndex = 0;
  ioErrorReply = null;
  return true;
}

const CMD_EXEC = Cmd.EXEC!;
const CMD_BGSAVE = Cmd.BGSAVE!;
const CMD_LASTSAVE = Cmd.LASTSAVE!;
const CMD_SAVE = Cmd.SAVE!;
/** How long SAVE may hold the partition before it gives up (the snapshot is abandoned, the WAL still has everything). */
const SAVE_BUDGET_MS = 10 * 60_000;
const startedAtMs = Date.now();

/** BGSAVE [SCHEDULE], SAVE and LASTSAVE, about this partition's snapshots (not the engine's business). */
function snapshotCommand(id: number, argv: readonly Uint8Array[], out: ReplySink): void {
  if (id === CMD_LASTSAVE) {
    const at = durability === null ? startedAtMs : durability.lastSnapshotCompletedAtMs;
    out.integer(Math.floor(at / 1000));
    return;
  }
  if (id === CMD_SAVE) {
    if (durability === null) {
      out.error("ERR", 'SAVE needs a data directory: this server keeps its data in memory only (--data-dir "")');
      return;
    }
    // Like Redis's SAVE, this blocks: the partition writes the whole snapshot now ("skipped"
    // means the newest snapshot already holds every write).
    if (durability.failed !== null) {
      out.error("ERR", `partition ${partitionId} cannot write to disk (${durability.failed.message}); no snapshot was written`);
      return;
    }
    const outcome = durability.snapshotBeforeClose(durableEngine!, SAVE_BUDGET_MS, 0);
    if (outcome === "skipped") durability.markSnapshotCurrent(Date.now());
    if (outcome === "written" || outcome === "skipped") out.ok();
    else out.error("ERR", `partition ${partitionId}: the snapshot was not written (${outcome}${durability.stats().lastSnapshotError === null ? "" : `: ${durability.stats().lastSnapshotError}`})`);
    return;
  }
  const schedule = argv.length === 2 && Buffer.from(argv[1]!).toString("latin1").toUpperCase() === "SCHEDULE";
  if (argv.length > 2 || (argv.length === 2 && !schedule)) {
    out.error("ERR", Errors.syntax());
    return;
  }
  if (durability === null) {
    out.error("ERR", 'BGSAVE needs a data directory: this server keeps its data in memory only (--data-dir "")');
    return;
  }
  if (durability.failed !== null) {
    out.error("ERR", `partition ${partitionId} cannot write to disk (${durability.failed.message}); no snapshot can start until it recovers`);
    return;
  }
  if (durability.snapshotInProgress) {
    if (!schedule) {
      out.error("ERR", "Background save already in progress");
      return;
    }
    durability.requestSnapshot();
    out.status("Background saving scheduled");
    return;
  }
  durability.requestSnapshot();
  scheduleDurabilityTick();
  out.status("Background saving started");
}

/** CONFIG SET appendfsync: the router's word wins; checked before each batch commits. */
const settings = new Int32Array(data.settings);
let fsyncCode = -1;
function applyFsyncSetting(): void {
  const code = Atomics.load(settings, SETTINGS_WORDS.fsyncPolicy);
  if (code === fsyncCode) return;
  fsyncCode = code;
  const policy = FSYNC_POLICY_CODES[code];
  if (policy !== undefined) durability!.setFsync(policy);
}

function schedulePump(): void {
  if (pumpScheduled || stopping) return;
  pumpScheduled = true;
  setImmediate(pump);
}

function pump(): void {
  pumpScheduled = false;
  if (stopping || !started) return;
  for (let round = 0; round < ROUNDS_PER_TURN; round++) {
    if (writer.count > 0 && !publishStaged()) {
      waitForResponseSpace();
      return;
    }
    const n = executeBatch();
    if (n === 0) break;
    batches++;
    executed += n;
    if (durability !== null) {
      applyFsyncSetting();
      batchCommitError = durability.commitBatch();
      if (batchCommitError !== null) {
        ioErrorReply = encodeErrorReply(
          "IOERR",
          `partition ${partitionId} could not write to disk (${batchCommitError.message}); the write reached memory but is not durable (the disk write is retried)`,
        );
      }
    }
    if (!publishStaged()) {
      waitForResponseSpace();
      return;
    }
    // A snapshot in progress advances one bounded slice between batches, not only on the timer.
    if (durability !== null && durability.wantsTick) durability.tick(durableEngine!, Date.now());
  }
  if (requests.hasRecords() && !waitingForLargeBody()) {
    schedulePump(); // more work: yield one event-loop turn for timers and messages, then go on
    return;
  }
  waitForRequests();
}

/** True when the next record is a large one whose body has not arrived. */
function waitingForLargeBody(): boolean {
  const offset = requests.next();
  if (offset < 0) return false;
  requests.unread(offset);
  if (requestForm(requests.view, offset) !== FORM_LARGE) return false;
  return !largeBodies.has(requestLargeId(requests.view, offset));
}

function waitForRequests(): void {
  const bell = requests.dataDoorbell;
  for (;;) {
    const seq = bell.prepareToSleep();
    if (requests.hasRecords() && !waitingForLargeBody()) {
      bell.awake();
      schedulePump();
      return;
    }
    if (requestWaitPending) return; // a wait is already armed; notify wakes it whatever its value
    const result = bell.sleep(seq);
    if (!result.async) continue; // the sequence moved: look again
    requestWaitPending = true;
    result.value.then(onRequestWake, onWaitFailed);
    return;
  }
}

function onRequestWake(): void {
  requestWaitPending = false;
  requests.dataDoorbell.awake();
  // Run the batch now, in this promise job, rather than one event-loop turn later: timers and
  // messages still get a turn after ROUNDS_PER_TURN rounds.
  if (requests.hasRecords()) pump();
  else waitForRequests();
}

function waitForResponseSpace(): void {
  responseSpaceWaits++;
  const bell = responses.spaceDoorbell;
  for (;;) {
    const seq = bell.prepareToSleep();
    if (publishStaged()) {
      bell.awake();
      schedulePump();
      return;
    }
    if (spaceWaitPending) return;
    const result = bell.sleep(seq);
    if (!result.async) continue;
    spaceWaitPending = true;
    result.value.then(onSpaceWake, onWaitFailed);
    return;
  }
}

function onSpaceWake(): void {
  spaceWaitPending = false;
  responses.spaceDoorbell.awake();
  if (writer.count === 0) return schedulePump();
  if (publishStaged()) schedulePump();
  else waitForResponseSpace();
}

/**
 * The backstop against a lost notify (ring/doorbell.ts), run on every maintenance tick: work
 * that has waited through a whole tick while a wait is armed is done now and counted as a
 * rescue (one tick of grace, so a wake-up already on its way is not counted). The armed wait
 * stays; the next notify resolves it, and its handler finds nothing left or carries on.
 */
let requestsStuckTicks = 0;
let spaceStuckTicks = 0;
function backstopCheck(): void {
  const requestsStuck = requestWaitPending && !pumpScheduled && requests.hasRecords() && !waitingForLargeBody();
  requestsStuckTicks = requestsStuck ? requestsStuckTicks + 1 : 0;
  if (requestsStuckTicks >= 2) {
    requestsStuckTicks = 0;
    rescues++;
    pump();
  }
  spaceStuckTicks = spaceWaitPending && writer.count > 0 ? spaceStuckTicks + 1 : 0;
  if (spaceStuckTicks >= 2) {
    spaceStuckTicks = 0;
    const before = publishedIndex;
    const done = publishStaged();
    if (done || publishedIndex > before) rescues++;
    if (done) schedulePump();
  }
}

function onWaitFailed(e: unknown): void {
  log(`waitAsync failed: ${String(e)}`);
  process.exit(1);
}

// ---- maintenance: active expiry, durability ticks, stats ------------------------------------

let lastStatsMs = 0;

function statsMessage(): PartitionStatsMessage {
  const s = engine.stats();
  const d = durability === null ? null : durability.stats();
  const wal = d === null ? null : d.wal;
  return {
    type: "stats",
    keys: s.keys,
    keysWithExpiry: s.keysWithExpiry,
    usedBytes: s.usedBytes,
    reservedBytes: s.reservedBytes,
    expiredKeys: s.expiredKeys,
    keyspaceHits: s.keyspaceHits,
    keyspaceMisses: s.keyspaceMisses,
    rescues,
    batches,
    executed,
    responseSpaceWaits,
    walFsyncs: wal === null ? 0 : wal.fsync.count,
    walFsyncUs: wal === null ? 0 : Math.round(wal.fsync.totalUs),
    walBytesWritten: wal === null ? 0 : wal.bytesWritten,
    lastSnapshotAtMs: d === null ? 0 : d.lastSnapshotAtMs,
    snapshotInProgress: d !== null && d.snapshotInProgress,
    lastSnapshotError: d === null ? null : d.lastSnapshotError,
    changesSinceSnapshot: d === null ? 0 : d.changesSinceSnapshot,
    walFailed: d === null ? null : d.failed,
  };
}

function maintenance(): void {
  if (stopping) return;
  if (started) backstopCheck();
  engine.activeExpire(data.activeExpireMaxWork);
  const now = Date.now();
  if (durability !== null) {
    durability.tick(durableEngine!, now);
    if (durability.wantsTick) scheduleDurabilityTick();
  }
  if (now - lastStatsMs >= data.statsIntervalMs) {
    lastStatsMs = now;
    post(statsMessage());
  }
}

/**
 * While a snapshot is being written, slices run back to back (one per event-loop turn, so
 * request batches interleave), not only one per maintenance period: an idle partition should
 * finish its snapshot at full speed.
 */
let durabilityTickScheduled = false;
function scheduleDurabilityTick(): void {
  if (durabilityTickScheduled || stopping) return;
  durabilityTickScheduled = true;
  setImmediate(durabilityTickSoon);
}
function durabilityTickSoon(): void {
  durabilityTickScheduled = false;
  if (durability === null || stopping) return;
  durability.tick(durableEngine!, Date.now());
  if (durability.wantsTick) scheduleDurabilityTick();
}

// ---- control messages -----------------------------------------------------------------------

function onMessage(message: HostToWorker): void {
  switch (message.type) {
    case "large":
      largeBodies.set(message.id, new Uint8Array(message.body));
      schedulePump();
      break;
    case "stats-request":
      if (engine !== undefined) post(statsMessage());
      break;
    case "shutdown":
      void shutdown();
      break;
    case "set-max-memory":
      engine.setMaxMemoryBytes?.(message.bytes);
      break;
    case "test-exit":
      process.exit(message.code);
      break;
    case "test-skip-notifies":
      responses.dataDoorbell.skipNotifies = message.count;
      break;
    case "test-disk-faults":
      diskFailing = message.failing;
      slowBackgroundSyncMs = message.slowBackgroundSyncMs ?? 0;
      break;
  }
}

/** How long shutdown waits for a background fdatasync still out before closing anyway. */
const SHUTDOWN_SYNC_WAIT_MS = 5000;

async function shutdown(): Promise<void> {
  if (stopping) return; // (a second request while the first waits below)
  stopping = true;
  // Replies already executed must still go out: the host waits for in-flight work before it
  // asks for a shutdown, so normally there is nothing staged here.
  if (writer.count > 0) publishStaged();
  try {
    if (durability !== null) {
      const t0 = performance.now();
      const outcome = durability.snapshotBeforeClose(durableEngine!, SHUTDOWN_SNAPSHOT_BUDGET_MS, SHUTDOWN_SNAPSHOT_MIN_WAL_BYTES);
      if (outcome !== "skipped") log(`snapshot at shutdown: ${outcome} in ${Math.round(performance.now() - t0)} ms`);
      // An everysec fdatasync still out must come back before close(): if it fails, close()
      // rewrites what it covered; closed under it, its error would go unseen (and the close's
      // own sync can pass although the pages were dropped: Linux reports the error once).
      const deadline = Date.now() + SHUTDOWN_SYNC_WAIT_MS;
      while (durability.syncing && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    }
    durability?.close();
  } finally {
    process.exit(0);
  }
}

// ---- test-only disk fault injection --------------------------------------------------------

let diskFailing = false;
let slowBackgroundSyncMs = 0;
function eio(call: string): Error {
  return Object.assign(new Error(`EIO: i/o error, ${call} (injected by a test)`), { code: "EIO" });
}
/** nodeFs, except that writes and syncs fail while a test says so. Only used with testDiskFaults. */
const faultyFs: DurabilityFs = {
  ...nodeFs,
  writeSync(fd, buf, offset, length, position) {
    if (diskFailing) throw eio("write");
    return nodeFs.writeSync(fd, buf, offset, length, position);
  },
  fdatasyncSync(fd) {
    if (diskFailing) throw eio("fdatasync");
    nodeFs.fdatasyncSync(fd);
  },
  fdatasync(fd, done) {
    if (diskFailing) {
      setImmediate(() => done(eio("fdatasync")));
      return;
    }
    if (slowBackgroundSyncMs > 0) {
      const ms = slowBackgroundSyncMs;
      setTimeout(() => {
        log(`test: a background fdatasync returns after ${ms} ms, with EIO`);
        done(eio("fdatasync"));
      }, ms);
      return;
    }
    nodeFs.fdatasync(fd, done);
  },
  fsyncSync(fd) {
    if (diskFailing) throw eio("fsync");
    nodeFs.fsyncSync(fd);
  },
};

// ---- start ----------------------------------------------------------------------------------

/**
 * Graceful shutdown writes a snapshot when the WAL since the last one is at least this large
 * (PartitionDurability.snapshotBeforeClose), so the next start loads keys in order instead of
 * replaying them; within a budget under the host's 5 s drain limit.
 */
const SHUTDOWN_SNAPSHOT_MIN_WAL_BYTES = 16 * 1024 * 1024;
const SHUTDOWN_SNAPSHOT_BUDGET_MS = 4_000;

/** How often a long recovery reports progress. */
const RECOVERY_PROGRESS_MS = 5000;

async function main(): Promise<void> {
  port.on("message", onMessage);
  // The default engine is imported statically, so a bundled server (scripts/build-server.ts)
  // carries it; tests may name another module to load instead.
  const engineModule =
    data.engineModule === null
      ? { PartitionEngine: DefaultPartitionEngine as unknown as EngineConstructor }
      : ((await import(data.engineModule)) as { PartitionEngine: EngineConstructor });
  const options: EngineOptions = { ...data.engine };
  let recoveredKeys = 0;
  let recoveryMs = 0;
  if (data.durability !== null) {
    durability = PartitionDurability.open(data.durability, data.testDiskFaults ? { fs: faultyFs } : {});
    options.writeLog = durability.writeLog;
  }
  engine = new engineModule.PartitionEngine(options);
  if (durability !== null) {
    if (typeof (engine as Partial<DurableEngine>).loadItem !== "function") {
      throw new Error(`engine module ${data.engineModule} cannot be used with durability (no snapshot/load support)`);
    }
    durableEngine = engine as unknown as DurableEngine;
    // Recover before serving: requests the router wrote meanwhile wait in the ring. A long
    // recovery says how far it got every few seconds (postMessage works from this synchronous
    // loop: the router thread prints the line while this one keeps loading).
    const startedAt = performance.now();
    let lastProgressAt = startedAt;
    const recovered = durability.recover(durableEngine, (keys) => {
      const now = performance.now();
      if (now - lastProgressAt < RECOVERY_PROGRESS_MS) return;
      lastProgressAt = now;
      log(`recovering: ${keys.toLocaleString("en-US")} keys loaded in ${((now - startedAt) / 1000).toFixed(1)} s`);
    });
    recoveredKeys = recovered.keys;
    recoveryMs = recovered.ms;
    if (recovered.truncatedBytes > 0) log(`recovery truncated a torn WAL tail of ${recovered.truncatedBytes} bytes`);
    if (recovered.incompleteTransactions > 0) {
      log(`recovery skipped ${recovered.incompleteTransactions} transaction(s) whose commit record was not in the WAL (never acknowledged)`);
    }
    for (const c of recovered.corruptSnapshots) log(`recovery skipped corrupt snapshot ${c.path}: ${c.reason}`);
  }
  // The interval also keeps this thread alive: a pending Atomics.waitAsync does not.
  setInterval(maintenance, data.maintenanceIntervalMs);
  started = true;
  post({ type: "ready", recoveredKeys, recoveryMs });
  pump();
}

main().catch((e: unknown) => {
  // Let the host see a real error (it restarts the worker and reports it).
  throw e instanceof Error ? e : new Error(String(e));
});

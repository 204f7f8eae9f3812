import type { ReplySink } from "@tessera/proto";
import type { WriteLog } from "../engine-types.js";
import { PutResult as PutResultImport, type PartitionStore } from "../store.js";
import { Errors } from "@tessera/proto";
const PutResult = PutResultImport; // a local: imported bindings may be getters (tsx)

/**
 * What every command handler works with: the partition's store, the write log, and scratch
 * buffers reused across calls so handlers allocate nothing on their hot paths.
 */
export class CommandContext {
  /** Integer formatting (INCR results, write-log numbers). */
  readonly scratch = new Uint8Array(64);
  /** Refs collected by scans (grown on demand). */
  refs = new Uint32Array(1024);
  refCount = 0;
  /** Bound once: the ordered-index scan callback that fills `refs`. */
  readonly collectRef = (ref: number): void => {
    if (this.refCount === this.refs.length) {
      const grown = new Uint32Array(this.refs.length * 2);
      grown.set(this.refs);
      this.refs = grown;
    }
    this.refs[this.refCount++] = ref;
  };

  constructor(
    readonly store: PartitionStore,
    public writeLog: WriteLog | null,
  ) {}

  /** Appends a rewritten write to the log (the log copies what it keeps). */
  log(argv: readonly Uint8Array[]): void {
    this.writeLog!.append(argv);
  }
}

export type Handler = (ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink) => void;

/** Replies with the error for a failed put. */
export function replyPutError(ctx: CommandContext, result: number, out: ReplySink): void {
  if (result === PutResult.OOM) out.error("OOM", Errors.oom());
  else if (result === PutResult.KEY_TOO_BIG) out.error("TOOBIG", `key is larger than the limit of ${ctx.store.maxKeyBytes} bytes`);
  else out.error("TOOBIG", Errors.valueTooBig(ctx.store.maxValueBytes));
}

/**
 * A pass-through reply sink that notes whether the reply written through it is an error (INFO
 * commandstats' failed_calls for the commands the router runs itself). Two shapes, so a sink
 * that can write RESP3 maps keeps that ability and one that cannot does not gain it: callers
 * test for `map` to choose between a map and a flat array.
 */
import type { ErrorCode, ReplySink } from "@tessera/proto";

export class ErrorWatchSink implements ReplySink {
  protected target: ReplySink = null as unknown as ReplySink;
  private first = true;
  /** The first thing written was an error: the reply is an error reply. */
  failed = false;
  /** Its message, when `failed`. */
  errorMessage = "";

  /** Starts watching one reply written to `target`. */
  watch(target: ReplySink): this {
    this.target = target;
    this.first = true;
    this.failed = false;
    this.errorMessage = "";
    return this;
  }

  protected seen(): void {
    this.first = false;
  }

  ok(): void {
    this.seen();
    this.target.ok();
  }
  status(text: string): void {
    this.seen();
    this.target.status(text);
  }
  nil(): void {
    this.seen();
    this.target.nil();
  }
  integer(value: number | bigint): void {
    this.seen();
    this.target.integer(value);
  }
  bulk(bytes: Uint8Array, offset: number, length: number): void {
    this.seen();
    this.target.bulk(bytes, offset, length);
  }
  array(count: number): void {
    this.seen();
    this.target.array(count);
  }
  error(code: ErrorCode, message: string): void {
    if (this.first) {
      this.failed = true;
      this.errorMessage = message;
    }
    this.seen();
    this.target.error(code, message);
  }
}

/** The same for a sink with RESP3 maps. */
export class MapErrorWatchSink extends ErrorWatchSink {
  map(pairs: number): void {
    this.seen();
    (this.target as ReplySink & { map(pairs: number): void }).map(pairs);
  }
}

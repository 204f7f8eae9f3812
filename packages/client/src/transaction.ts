/**
 * `client.multi()`: a MULTI ... EXEC block built up, then sent in one go.
 *
 * `exec()` issues MULTI, the queued commands and EXEC in one synchronous run, so the client's
 * pipelining writes them together and no other call of this client can land between them. It
 * resolves with the commands' replies (each an error value where that command failed at run
 * time, as Redis answers), or null when a WATCHed key changed; it rejects with the server's
 * EXECABORT (carrying the first queuing error) when a command was refused while queuing.
 *
 * WATCH is per connection: a client shared by concurrent tasks shares its watches too, so use
 * a client of its own for a WATCH ... EXEC loop.
 */
import type { Reply, RequestArg } from "@tessera/proto";
import { TesseraError } from "./errors.js";
import { toValue, type ReplyValue } from "./reply-convert.js";

/** Connection.sendAll: checks every request first, then sends all of them in one run, or none. */
type SendAll = (requests: readonly { command: string; args: readonly RequestArg[] }[]) => Promise<Reply>[];

export class ClientTransaction {
  private readonly commands: { name: string; args: RequestArg[] }[] = [];
  private sent = false;

  /** @internal Built by TesseraClient.multi(). */
  constructor(
    private readonly sendAll: SendAll,
    private readonly toArg: (a: string | Buffer | Uint8Array | number | bigint) => RequestArg,
  ) {}

  /** Queues one command (sent at exec()). Chainable. */
  command(name: string, ...args: (string | Buffer | Uint8Array | number | bigint)[]): this {
    if (this.sent) throw new Error("ClientTransaction: exec() was already called");
    this.commands.push({ name, args: args.map(this.toArg) });
    return this;
  }

  /** Number of queued commands. */
  get length(): number {
    return this.commands.length;
  }

  /**
   * Sends MULTI, the commands and EXEC. Resolves with one value per command (a TesseraError
   * value where the command failed at run time), or null when a WATCHed key changed. Rejects
   * without sending anything when one of them could not be sent (too large, too many pending
   * requests: a block sent in part would leave the connection inside MULTI).
   */
  async exec(): Promise<(ReplyValue | TesseraError)[] | null> {
    if (this.sent) throw new Error("ClientTransaction: exec() was already called");
    this.sent = true;
    const block = [{ command: "MULTI", args: [] }, ...this.commands.map((c) => ({ command: c.name, args: c.args })), { command: "EXEC", args: [] }];
    const replies = await Promise.all(this.sendAll(block));
    const multiReply = replies[0]!;
    const queuedReplies = replies.slice(1, -1);
    const execReply = replies[replies.length - 1]!;
    if (multiReply.kind === "error") throw new TesseraError(multiReply.code, multiReply.message);
    if (execReply.kind === "error") {
      // EXECABORT: say which command was refused.
      const first = queuedReplies.find((r) => r.kind === "error");
      const why = first !== undefined && first.kind === "error" ? ` (first refusal: ${first.code} ${first.message})` : "";
      throw new TesseraError(execReply.code, execReply.message + why);
    }
    if (execReply.kind === "nil") return null;
    if (execReply.kind !== "array") throw new TesseraError("ERR", `EXEC answered ${execReply.kind}, expected an array`);
    return execReply.items.map((r) => (r.kind === "error" ? new TesseraError(r.code, r.message) : toValue(r)));
  }
}

/**
 * The `Request` message (proto/tessera.proto), hand-coded for the hot path:
 * - `decodeRequest` (server) reads a frame body into views of the frame, without copying;
 * - `RequestEncoder` (client) writes length-prefixed Request frames into one growable buffer,
 *   so a pipeline of requests leaves in one socket write.
 *
 * Both read and write exactly what protobufjs does for `tessera.v1.Request` (see
 * test/codec-conformance.test.ts): unknown fields and fields of the wrong wire type are
 * skipped, repeated scalars take the last value, `id` keeps the low 32 bits of its varint.
 * One difference: the command name is returned as bytes and not checked to be UTF-8 (the
 * server looks it up in the command table, and an invalid name is simply unknown).
 */
import type { CommandSpec } from "./commands.js";
import { findCommand } from "./command-lookup.js";
import { OutputBuffer } from "./output-buffer.js";
import { WIRE_LEN, WIRE_VARINT, WireError, WireReader, utf8Encoder, varintSize32, writeVarint32 } from "./wire.js";

const FIELD_ID = 1;
const FIELD_COMMAND = 2;
const FIELD_ARGS = 3;

const TAG_ID = (FIELD_ID << 3) | WIRE_VARINT; // 0x08
const TAG_COMMAND = (FIELD_COMMAND << 3) | WIRE_LEN; // 0x12
const TAG_ARGS = (FIELD_ARGS << 3) | WIRE_LEN; // 0x1a

const EMPTY = new Uint8Array(0);

/** Default limit on arguments per request (after the name); a request with more is refused. */
export const DEFAULT_MAX_REQUEST_ARGS = 1024 * 1024;

/**
 * One decoded request. `argv` holds views into the frame (plain Uint8Array, built with the
 * constructor: `Buffer#subarray` goes through the species constructor and costs about 3x more): `argv[0]` is the command name as
 * sent, `argv[1..argc-1]` the arguments -- the shape `PartitionEngine.execute` takes.
 *
 * An instance passed to `decodeRequest` is reused: its `argv` array is overwritten by the next
 * decode, so copy it (`argv.slice(0, argc)`) to keep it longer. The views themselves stay
 * valid as long as the frame's memory does (FrameDecoder never reuses a returned frame).
 */
export class DecodedRequest {
  /** The request id, echoed in the reply. */
  id = 0;
  /** The command found by name, or undefined if the name is unknown (answer ERR unknown command). */
  command: CommandSpec | undefined = undefined;
  /** Number of valid entries in argv (name included): 1 + number of args. */
  argc = 0;
  /** argv[0] = name bytes, then the args. Entries at argc and beyond are stale; ignore them. */
  readonly argv: Uint8Array[] = [];
  /**
   * The frame decoded, and where each argv entry lies in it: argv[i] is
   * frame[argStart[i], argStart[i] + argLength[i]). Always filled, so a caller that copies the
   * arguments elsewhere (into a ring) can skip building views.
   */
  frame: Uint8Array = EMPTY;
  argStart: Uint32Array = new Uint32Array(16);
  argLength: Uint32Array = new Uint32Array(16);
  /**
   * Build `argv` views (default true). Creating a typed-array view costs about as much as the
   * rest of decoding a small request, so the router may turn this off and use the offsets.
   */
  buildViews = true;

  /** The name as sent, for error messages (allocates; not for the hot path). */
  nameString(): string {
    const f = this.frame;
    return Buffer.from(f.buffer, f.byteOffset + this.argStart[0]!, this.argLength[0]!).toString("utf8");
  }
}

const reader = new WireReader();

/**
 * Decodes one Request frame body. Writes into `out` (a fresh DecodedRequest when omitted) and
 * returns it. Throws WireError("PROTO") on malformed input and WireError("TOOBIG") when there
 * are more than `maxArgs` arguments; the frame boundary is intact then, so the server may
 * answer with an error and carry on with the next frame. The TOOBIG error carries the request's
 * id (the rest of the frame is read for it: the id field may come after the arguments), so the
 * client can match it to the request.
 */
export function decodeRequest(frame: Uint8Array, out: DecodedRequest = new DecodedRequest(), maxArgs = DEFAULT_MAX_REQUEST_ARGS): DecodedRequest {
  const r = reader;
  r.reset(frame, 0, frame.length);
  const argv = out.argv;
  const views = out.buildViews;
  if (argv.length === 0) argv.push(EMPTY); // slot for the name, so args land at 1..
  let argStart = out.argStart;
  let argLength = out.argLength;
  let id = 0;
  let nameStart = 0;
  let nameLength = 0;
  let argc = 1; // argv[0] is the name, filled at the end
  let tooManyArgs = false;
  const end = frame.length;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === TAG_ARGS) {
      const len = r.length();
      if (argc > maxArgs) {
        tooManyArgs = true;
        r.pos += len;
        continue;
      }
      const start = r.pos;
      r.pos = start + len;
      if (argc === argStart.length) {
        argStart = out.argStart = grow(argStart);
        argLength = out.argLength = grow(argLength);
      }
      argStart[argc] = start;
      argLength[argc] = len;
      if (views) {
        const view = new Uint8Array(frame.buffer, frame.byteOffset + start, len);
        if (argc < argv.length) argv[argc] = view;
        else argv.push(view);
      }
      argc++;
    } else if (tag === TAG_ID) {
      id = r.uint32();
    } else if (tag === TAG_COMMAND) {
      nameLength = r.length();
      nameStart = r.pos;
      r.pos += nameLength;
    } else {
      const field = tag >>> 3;
      if (field === 0) throw new WireError("PROTO", "illegal tag: field number 0");
      r.skip(tag & 7, field, 0);
    }
  }
  if (tooManyArgs) throw new WireError("TOOBIG", `request has more than ${maxArgs} arguments`, id);
  // Stale views beyond argc would keep old frames' memory alive; drop them after a big request.
  if (argv.length > argc && argv.length > 256) argv.length = argc;
  argStart[0] = nameStart;
  argLength[0] = nameLength;
  if (views) argv[0] = nameLength === 0 ? EMPTY : new Uint8Array(frame.buffer, frame.byteOffset + nameStart, nameLength);
  out.frame = frame;
  out.id = id;
  out.argc = argc;
  out.command = findCommand(frame, nameStart, nameLength);
  return out;
}

function grow(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

/** A request argument: bytes, or a string sent as its UTF-8 bytes. */
export type RequestArg = Uint8Array | string;

/**
 * The most bytes a Request message of this command and these arguments takes, whatever its id
 * (the id counted at its largest): what RequestEncoder.encode compares with its limit.
 */
export function maxRequestMessageBytes(command: string | Uint8Array, args: readonly RequestArg[]): number {
  const commandBytes = typeof command === "string" ? Buffer.byteLength(command, "utf8") : command.length;
  let size = 1 + 5; // the id: tag + a varint of at most 5 bytes
  if (commandBytes !== 0) size += 1 + varintSize32(commandBytes) + commandBytes;
  for (const a of args) {
    const n = typeof a === "string" ? Buffer.byteLength(a, "utf8") : a.length;
    size += 1 + varintSize32(n) + n;
  }
  return size;
}

/**
 * Writes Request frames (varint length + message) back to back. Call `encode` for each
 * request, then `take()` the bytes and write them to the socket in one call.
 */
export class RequestEncoder {
  private readonly out: OutputBuffer;
  // Per-call scratch: byte lengths of string args, so each is measured once.
  private argBytes: number[] = [];

  constructor(initialBytes = 16 * 1024) {
    this.out = new OutputBuffer(initialBytes);
  }

  /**
   * Appends one Request frame. `command` is the name (any case); args follow it. Throws
   * WireError("TOOBIG"), writing nothing, when the message would exceed `maxMessageBytes` (the
   * server's --max-frame-bytes: a larger frame makes the server close the connection).
   */
  encode(id: number, command: string | Uint8Array, args: readonly RequestArg[], maxMessageBytes = 0xffffffff): void {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new RangeError(`request id must be a uint32, got ${id}`);
    const commandBytes = typeof command === "string" ? Buffer.byteLength(command, "utf8") : command.length;
    // Sizes first (everything is known up front), so the frame is written in one pass.
    let size = 0;
    if (id !== 0) size += 1 + varintSize32(id);
    if (commandBytes !== 0) size += 1 + varintSize32(commandBytes) + commandBytes;
    const argBytes = this.argBytes;
    argBytes.length = args.length;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const n = typeof a === "string" ? Buffer.byteLength(a, "utf8") : a.length;
      argBytes[i] = n;
      size += 1 + varintSize32(n) + n;
    }
    if (size > 0xffffffff) throw new RangeError("request is larger than 4 GiB");
    if (size > maxMessageBytes) throw new WireError("TOOBIG", `request of ${size} bytes is larger than the limit of ${maxMessageBytes} bytes (the server's --max-frame-bytes)`, id);

    const out = this.out;
    const buf = out.reserve(varintSize32(size) + size);
    let pos = writeVarint32(buf, out.pos, size);
    if (id !== 0) {
      buf[pos++] = TAG_ID;
      pos = writeVarint32(buf, pos, id);
    }
    if (commandBytes !== 0) {
      buf[pos++] = TAG_COMMAND;
      pos = writeVarint32(buf, pos, commandBytes);
      pos = writeBytes(buf, pos, command, commandBytes);
    }
    for (let i = 0; i < args.length; i++) {
      buf[pos++] = TAG_ARGS;
      pos = writeVarint32(buf, pos, argBytes[i]!);
      pos = writeBytes(buf, pos, args[i]!, argBytes[i]!);
    }
    out.pos = pos;
  }

  /** Bytes encoded and not yet taken. */
  get byteLength(): number {
    return this.out.pendingBytes;
  }

  /** The frames encoded since the last take, as one Buffer the caller now owns. */
  take(): Buffer {
    return this.out.take(this.out.pos);
  }
}

function writeBytes(buf: Uint8Array, pos: number, value: RequestArg, length: number): number {
  if (typeof value === "string") {
    // Short ASCII strings are common (command names, small keys): copy them without the encoder call.
    if (length === value.length && length <= 32) {
      for (let i = 0; i < length; i++) buf[pos + i] = value.charCodeAt(i);
    } else {
      const written = utf8Encoder.encodeInto(value, buf.subarray(pos, pos + length)).written;
      if (written !== length) throw new Error("RequestEncoder: UTF-8 length mismatch");
    }
  } else {
    buf.set(value, pos);
  }
  return pos + length;
}

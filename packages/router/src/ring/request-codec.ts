/**
 * Request records on a partition's request ring.
 *
 *   payload = [u32 token][u16 command id][u16 form][u32 client id] body
 *   (client id: the router session's CLIENT ID, for the slowlog; 0 when none)
 *   form 0 (inline): body = [u32 argc] then per argument [u32 length][bytes]
 *   form 1 (large):  body = [u32 large id]; the inline body travels in its own ArrayBuffer,
 *                    posted to the worker (control channel) *before* the record is published.
 *
 * Why a large form: a record may take at most half the ring, and a 60 MiB SET value must still
 * work with 4 MiB rings. Sizing every ring for the largest value would pin
 * 2 x maxValueBytes per partition once the ring has cycled through all its pages; big values
 * are rare, so they take one postMessage (with the buffer transferred, not copied) instead. The
 * ring record keeps their place in the request order.
 *
 * All integers little-endian. argv[0] is the command name, as the engine expects.
 */

export const REQUEST_HEADER_BYTES = 12;
export const FORM_INLINE = 0;
export const FORM_LARGE = 1;

/** Bytes of the inline body for `argv`. */
export function requestBodyBytes(argv: readonly Uint8Array[]): number {
  let n = 4;
  for (let i = 0; i < argv.length; i++) n += 4 + argv[i]!.length;
  return n;
}

/** Writes the record header at `offset`. */
export function writeRequestHeader(view: DataView, offset: number, token: number, commandId: number, form: number, clientId: number): void {
  view.setUint32(offset, token, true);
  view.setUint16(offset + 4, commandId, true);
  view.setUint16(offset + 6, form, true);
  view.setUint32(offset + 8, clientId, true);
}

/** Writes the inline body for `argv` at `offset`; returns the offset after it. */
export function writeRequestBody(bytes: Uint8Array, view: DataView, offset: number, argv: readonly Uint8Array[]): number {
  view.setUint32(offset, argv.length, true);
  let p = offset + 4;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const n = arg.length;
    view.setUint32(p, n, true);
    p += 4;
    if (n <= 16) {
      // A loop beats TypedArray#set for the short keys and values that dominate.
      for (let j = 0; j < n; j++) bytes[p + j] = arg[j]!;
    } else {
      bytes.set(arg, p);
    }
    p += n;
  }
  return p;
}

export function requestToken(view: DataView, offset: number): number {
  return view.getUint32(offset, true);
}
export function requestCommandId(view: DataView, offset: number): number {
  return view.getUint16(offset + 4, true);
}
export function requestForm(view: DataView, offset: number): number {
  return view.getUint16(offset + 6, true);
}
export function requestClientId(view: DataView, offset: number): number {
  return view.getUint32(offset + 8, true);
}
/** For FORM_LARGE records: the id of the separately posted body. */
export function requestLargeId(view: DataView, offset: number): number {
  return view.getUint32(offset + REQUEST_HEADER_BYTES, true);
}

/**
 * Decodes an inline body at `offset` (at most `end`) into argument views over `bytes` (no
 * copies: they are valid as long as the bytes are). Throws on a malformed body.
 */
export function readRequestBody(bytes: Uint8Array, view: DataView, offset: number, end: number): Uint8Array[] {
  if (offset + 4 > end) throw new Error("request-codec: truncated body");
  const argc = view.getUint32(offset, true);
  if (argc > (end - offset - 4) / 4) throw new Error(`request-codec: bad argc ${argc}`);
  const argv = new Array<Uint8Array>(argc);
  const buffer = bytes.buffer;
  const base = bytes.byteOffset;
  let p = offset + 4;
  for (let i = 0; i < argc; i++) {
    if (p + 4 > end) throw new Error("request-codec: truncated argument length");
    const n = view.getUint32(p, true);
    p += 4;
    if (p + n > end) throw new Error("request-codec: truncated argument");
    argv[i] = new Uint8Array(buffer, base + p, n); // cheaper than subarray()
    p += n;
  }
  return argv;
}

/**
 * The protobufjs reference codec, generated from proto/tessera.proto by
 * `pnpm --filter @tessera/proto gen:proto` (pbjs static module + pbts types; the generated
 * files are committed). Use it where speed does not matter or to cross-check; the server and
 * the client use the hand-written codec (request-codec.ts, reply-encoder.ts, reply-decoder.ts),
 * which reads and writes the same bytes.
 */
import protobuf from "protobufjs/minimal.js";
import { tessera } from "./generated/tessera.js";

export const ProtoRequest = tessera.v1.Request;
export const ProtoReply = tessera.v1.Reply;
export const ProtoArrayReply = tessera.v1.ArrayReply;
export const ProtoError = tessera.v1.Error;
export { tessera as protobufSchema };
/** protobufjs's Reader, for decodeDelimited over a stream of frames. */
export const ProtoReader = protobuf.Reader;

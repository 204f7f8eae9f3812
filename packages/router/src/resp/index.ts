export { RespServer } from "./resp-server.js";
export type { RespServerOptions } from "./resp-server.js";
export { RespRequestParser, parseStrictInt, splitInlineArgs, INLINE_MAX_BYTES, DEFAULT_MAX_ARGS } from "./resp-parser.js";
export type { RespParserLimits } from "./resp-parser.js";
export { RespReplyEncoder } from "./resp-encoder.js";
export { translateRedisScan } from "./scan-adapter.js";
export { unknownCommandMessage } from "./unknown-command.js";
export { ScanCursorRegistry } from "./scan-cursors.js";

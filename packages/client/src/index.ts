export { TesseraClient, type Bytes, type SetOptions, type ExpireOptions, type GetExOptions, type ScanOptions } from "./client.js";
export { ClientTransaction } from "./transaction.js";
export type { MessageListener, PatternMessageListener } from "./subscriptions.js";
export { TesseraError, ConnectionError, type ConnectionErrorReason } from "./errors.js";
export { type ClientOptions, type ReconnectOptions, DEFAULT_PORT } from "./options.js";
export type { ConnectionStats } from "./connection.js";
export type { ReplyValue } from "./reply-convert.js";

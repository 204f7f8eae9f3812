/**
 * What Tessera says about itself to Redis clients. Client libraries branch on the server
 * version (RESP3, CLIENT SETINFO, ...), so the RESP port reports the Redis version whose
 * behaviour it follows; Tessera's own version is reported beside it.
 */
import { randomBytes } from "node:crypto";

export const COMPAT_REDIS_VERSION = "7.2.0";
export const TESSERA_VERSION = "0.1.0";
/** 40 hex characters, fixed for the process lifetime, like Redis's run_id. */
export const RUN_ID = randomBytes(20).toString("hex");

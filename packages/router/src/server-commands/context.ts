/**
 * What a server command can see: the connection it runs for (`Session`, defined with the
 * router's session state in ../session.ts) and the server around it (`ServerContext`, which the
 * Router implements; ../server-context.ts). Re-exported here so server commands and their tests
 * have one place to import them from.
 */
export type { Session } from "../session.js";
export type { RuntimeConfig, ServerContext, ServerStats } from "../server-context.js";

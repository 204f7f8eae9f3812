/**
 * Turns protocol `Reply` values into what the client's API returns: Buffers for bulk strings
 * (copied out of the socket chunk, so a kept value does not pin the chunk), numbers for
 * integers in the safe range and bigints beyond it, strings for statuses, null for nil, and a
 * thrown TesseraError for error replies.
 */
import type { Reply } from "@tessera/proto";
import { TesseraError } from "./errors.js";

/** What a reply decodes to in the generic `command()` API. Error replies throw instead. */
export type ReplyValue = Buffer | string | number | bigint | null | ReplyValue[];

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Throws a TesseraError for an error reply, at any depth of an array too. */
export function toValue(reply: Reply): ReplyValue {
  switch (reply.kind) {
    case "ok":
      return "OK";
    case "status":
      return reply.text;
    case "nil":
      return null;
    case "integer":
      return toNumberOrBigint(reply.value);
    case "bulk":
      return copyBytes(reply.value);
    case "array":
      return reply.items.map(toValue);
    case "error":
      throw new TesseraError(reply.code, reply.message);
  }
}

export function toNumberOrBigint(v: bigint): number | bigint {
  return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
}

export function copyBytes(view: Uint8Array): Buffer {
  return Buffer.from(view); // Buffer.from(Uint8Array) copies
}

/** The error a reply carries, if it is one (for callers that want the reply shape checked). */
export function throwIfError(reply: Reply): void {
  if (reply.kind === "error") throw new TesseraError(reply.code, reply.message);
}

function unexpected(command: string, expected: string, reply: Reply): TesseraError {
  return new TesseraError("PROTO", `unexpected reply to ${command}: expected ${expected}, got ${reply.kind}`);
}

export function expectInteger(command: string, reply: Reply): number | bigint {
  throwIfError(reply);
  if (reply.kind !== "integer") throw unexpected(command, "an integer", reply);
  return toNumberOrBigint(reply.value);
}

/** An integer reply that is a count or a length: always a number. */
export function expectCount(command: string, reply: Reply): number {
  throwIfError(reply);
  if (reply.kind !== "integer") throw unexpected(command, "an integer", reply);
  return Number(reply.value);
}

export function expectBoolean(command: string, reply: Reply): boolean {
  return expectCount(command, reply) !== 0;
}

export function expectBulkOrNil(command: string, reply: Reply): Buffer | null {
  throwIfError(reply);
  if (reply.kind === "nil") return null;
  if (reply.kind !== "bulk") throw unexpected(command, "a bulk string or nil", reply);
  return copyBytes(reply.value);
}

export function expectOk(command: string, reply: Reply): "OK" {
  throwIfError(reply);
  if (reply.kind !== "ok" && !(reply.kind === "status" && reply.text === "OK")) throw unexpected(command, "OK", reply);
  return "OK";
}

export function expectStatusOrBulk(command: string, reply: Reply): string {
  throwIfError(reply);
  if (reply.kind === "status") return reply.text;
  if (reply.kind === "ok") return "OK";
  if (reply.kind === "bulk") return Buffer.from(reply.value).toString("utf8");
  throw unexpected(command, "a status or bulk string", reply);
}

export function expectArray(command: string, reply: Reply): readonly Reply[] {
  throwIfError(reply);
  if (reply.kind !== "array") throw unexpected(command, "an array", reply);
  return reply.items;
}

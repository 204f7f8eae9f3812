/** Client helpers for the end-to-end tests. */
import { TesseraClient } from "@tessera/client";
import type { Reply } from "@tessera/proto";

export async function connectClient(port: number): Promise<TesseraClient> {
  return TesseraClient.connect({ host: "127.0.0.1", port, reconnect: false });
}

/** A Reply as a plain JSON-able value for readable assertions: bulks as strings, integers as numbers. */
export function plain(r: Reply): unknown {
  switch (r.kind) {
    case "ok":
      return "OK";
    case "status":
      return r.text;
    case "nil":
      return null;
    case "integer":
      return Number(r.value);
    case "bulk":
      return Buffer.from(r.value).toString("latin1");
    case "array":
      return r.items.map(plain);
    case "error":
      return { error: `${r.code} ${r.message}` };
  }
}

/** Sends one command as words and returns the plain reply (errors as {error}). */
export async function call(client: TesseraClient, ...words: (string | number)[]): Promise<unknown> {
  const [name, ...args] = words.map(String);
  return plain(await client.commandReply(name!, args));
}

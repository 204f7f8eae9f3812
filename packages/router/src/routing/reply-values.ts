/** Helpers over `Reply` values where the router merges several partitions' replies (writing them back is @tessera/proto's writeReply). */
import type { Reply } from "@tessera/proto";

/** The first error among `replies`, or null. */
export function firstError(replies: readonly Reply[]): Extract<Reply, { kind: "error" }> | null {
  for (const r of replies) if (r.kind === "error") return r;
  return null;
}

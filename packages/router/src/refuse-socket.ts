/**
 * Refusing a connection at accept (maxclients): send the refusal, then make sure the socket goes
 * away whatever the client does. `end()` alone half-closes: a client that keeps its side open
 * would keep the socket, and the listener's close() (graceful shutdown) would wait for it
 * forever. What it sends is read and dropped so its writes cannot pile up in the kernel, and the
 * socket is destroyed after a grace period long enough for the refusal to be read.
 */
import type { Socket } from "node:net";

const REFUSAL_GRACE_MS = 1000;

export function refuseSocket(socket: Socket, refusal: Uint8Array | string): void {
  socket.on("error", () => socket.destroy());
  socket.on("data", () => {});
  socket.end(refusal);
  setTimeout(() => socket.destroy(), REFUSAL_GRACE_MS).unref();
}

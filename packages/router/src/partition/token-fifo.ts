/**
 * A FIFO of u32 tokens on a growable circular Uint32Array. The host keeps one per partition:
 * a partition executes serially and replies in request order, so the in-flight tokens form a
 * queue, replies must match its head (an assertion that catches ring bugs), and a dead worker's
 * tokens can be failed without a map.
 */
export class TokenFifo {
  private items: Uint32Array;
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 1024) {
    let n = 16;
    while (n < initialCapacity) n *= 2;
    this.items = new Uint32Array(n);
  }

  get length(): number {
    return this.size;
  }

  push(token: number): void {
    if (this.size === this.items.length) this.grow();
    this.items[(this.head + this.size) & (this.items.length - 1)] = token;
    this.size++;
  }

  /** Removes and returns the oldest token; -1 when empty. */
  shift(): number {
    if (this.size === 0) return -1;
    const token = this.items[this.head]!;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.size--;
    return token;
  }

  /** The oldest token without removing it; -1 when empty. */
  peek(): number {
    return this.size === 0 ? -1 : this.items[this.head]!;
  }

  private grow(): void {
    const next = new Uint32Array(this.items.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.items[(this.head + i) & (this.items.length - 1)]!;
    this.items = next;
    this.head = 0;
  }
}

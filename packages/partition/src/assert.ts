/** Assertions at the seams (allocator, indexes). A failed assertion is a bug found, never an error to handle. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

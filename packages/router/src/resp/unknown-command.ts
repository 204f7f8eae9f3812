/**
 * Redis's wording for a command it does not know (server.c, processCommand):
 *   unknown command 'foo', with args beginning with: 'a' 'b' 
 * The name is cut at 128 characters and the arguments stop once 128 characters are listed.
 */
const text = (b: Uint8Array, max: number) =>
  Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, max)).toString("utf8");

export function unknownCommandMessage(argv: readonly Uint8Array[]): string {
  let args = "";
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${text(argv[i]!, 128 - args.length)}' `;
  return `unknown command '${text(argv[0]!, 128)}', with args beginning with: ${args}`;
}

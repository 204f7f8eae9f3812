/**
 * The README's command reference, generated from the command table so the two never drift.
 * `scripts/gen-command-reference.ts` prints it or writes it between the README's markers.
 */
import { CommandFlag, COMMANDS, type CommandGroup, type CommandSpec } from "./commands.js";

export const REFERENCE_START_MARKER = "<!-- commands:start -->";
export const REFERENCE_END_MARKER = "<!-- commands:end -->";

/** Section order and titles; a group missing here is listed last under its own name. */
const GROUP_TITLES: readonly (readonly [CommandGroup, string])[] = [
  ["string", "Strings"],
  ["keyspace", "Keyspace"],
  ["expiry", "Expiry"],
  ["scan", "Scans"],
  ["transactions", "Transactions"],
  ["pubsub", "Pub/sub"],
  ["server", "Server"],
  ["connection", "Connection"],
];

/** Flag words, in the order they are listed. */
const FLAG_WORDS: readonly (readonly [number, string])[] = [
  [CommandFlag.READ, "read"],
  [CommandFlag.WRITE, "write"],
  [CommandFlag.ADMIN, "admin"],
  [CommandFlag.FAST, "fast"],
  [CommandFlag.DENYOOM, "denyoom"],
  [CommandFlag.MULTI_KEY, "multi-key"],
  [CommandFlag.TXN_OK, "in-multi"],
  [CommandFlag.CONNECTION, "connection"],
  [CommandFlag.NO_AUTH, "no-auth"],
];

export function flagWords(flags: number): string[] {
  return FLAG_WORDS.filter(([bit]) => (flags & bit) !== 0).map(([, word]) => word);
}

/** A Markdown table cell: pipes escaped (GitHub tables split on them even inside code). */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The reference: one `###` section per group, a table of syntax, summary and flags. */
export function renderCommandReference(commands: readonly CommandSpec[] = COMMANDS): string {
  const groups = new Map<string, CommandSpec[]>();
  for (const c of commands) {
    const list = groups.get(c.group);
    if (list === undefined) groups.set(c.group, [c]);
    else list.push(c);
  }
  const order: [string, string][] = GROUP_TITLES.filter(([g]) => groups.has(g)).map(([g, t]) => [g, t]);
  for (const g of groups.keys()) if (!GROUP_TITLES.some(([known]) => known === g)) order.push([g, g]);

  const lines: string[] = [
    `Generated from \`packages/proto/src/commands.ts\` by \`node --import tsx scripts/gen-command-reference.ts --write README.md\`; ${commands.length} commands.`,
    "",
  ];
  for (const [group, title] of order) {
    lines.push(`### ${title}`, "", "| Command | Summary | Flags |", "| --- | --- | --- |");
    for (const c of groups.get(group)!) {
      lines.push(`| \`${cell(c.syntax)}\` | ${cell(c.summary)} | ${flagWords(c.flags).join(", ")} |`);
    }
    lines.push("");
  }
  return lines.join("\n").trimEnd() + "\n";
}

/**
 * Replaces what lies between the reference markers in `document` with `reference`. Throws if
 * the markers are missing, duplicated or out of order: the caller's file is never guessed at.
 */
export function replaceCommandReference(document: string, reference: string): string {
  const start = document.indexOf(REFERENCE_START_MARKER);
  const end = document.indexOf(REFERENCE_END_MARKER);
  if (start < 0 || end < 0) throw new Error(`markers ${REFERENCE_START_MARKER} and ${REFERENCE_END_MARKER} not found`);
  if (document.indexOf(REFERENCE_START_MARKER, start + 1) >= 0 || document.indexOf(REFERENCE_END_MARKER, end + 1) >= 0) {
    throw new Error("the command reference markers appear more than once");
  }
  if (end < start) throw new Error(`${REFERENCE_END_MARKER} comes before ${REFERENCE_START_MARKER}`);
  const head = document.slice(0, start + REFERENCE_START_MARKER.length);
  const tail = document.slice(end);
  return `${head}\n${reference}${tail}`;
}

/**
 * Connection commands answered by the router: PING, ECHO, HELLO, SELECT, QUIT, CLIENT
 * (AUTH is in auth.ts).
 * Replies and error words follow Redis 7.
 */
import { Errors, type CommandSpec, type ReplySink } from "@tessera/proto";
import { credentialsValid } from "./auth.js";
import type { ServerContext, Session } from "./context.js";
import { argInteger, argText, writeBulkString, writeMapHeader } from "./reply-helpers.js";
import { COMPAT_REDIS_VERSION } from "./server-identity.js";

export function ping(_ctx: ServerContext, _session: Session, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  if (argv.length > 2) {
    out.error("ERR", Errors.wrongArity(spec.name));
    return;
  }
  if (argv.length === 2) {
    const msg = argv[1]!;
    out.bulk(msg, 0, msg.length);
    return;
  }
  out.status("PONG");
}

export function echo(_ctx: ServerContext, _session: Session, _spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  const msg = argv[1]!;
  out.bulk(msg, 0, msg.length);
}

export function select(_ctx: ServerContext, _session: Session, _spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  const index = argInteger(argv, 1);
  if (index === null) {
    out.error("ERR", Errors.notInteger());
    return;
  }
  // Tessera has one keyspace (like Redis Cluster): database 0 only.
  if (index !== 0) {
    out.error("ERR", "DB index is out of range");
    return;
  }
  out.ok();
}

export function quit(_ctx: ServerContext, session: Session, _spec: CommandSpec, _argv: readonly Uint8Array[], out: ReplySink): void {
  session.closeAfterReply = true;
  out.ok();
}

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
export function hello(ctx: ServerContext, session: Session, _spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  let version = session.respVersion;
  let i = 1;
  if (argv.length >= 2) {
    const requested = argInteger(argv, 1);
    if (requested === null) {
      out.error("ERR", "Protocol version is not an integer or out of range");
      return;
    }
    if (requested !== 2 && requested !== 3) {
      out.error("NOPROTO", "unsupported protocol version");
      return;
    }
    if (session.protocol === "native" && requested === 3) {
      // The native protocol has its own typed replies; RESP3 is a RESP-port notion.
      out.error("NOPROTO", "unsupported protocol version");
      return;
    }
    version = requested;
    i = 2;
  }
  let setName: string | null | undefined;
  let user: Uint8Array | null = null;
  let password: Uint8Array | null = null;
  for (; i < argv.length; i++) {
    const option = argText(argv, i).toUpperCase();
    const more = argv.length - i - 1;
    if (option === "AUTH" && more >= 2) {
      user = argv[i + 1]!;
      password = argv[i + 2]!;
      i += 2;
    } else if (option === "SETNAME" && more >= 1) {
      const name = argText(argv, i + 1);
      if (!validClientName(name)) {
        out.error("ERR", CLIENT_NAME_ERROR);
        return;
      }
      setName = name === "" ? null : name;
      i += 1;
    } else {
      out.error("ERR", `Syntax error in HELLO option '${argText(argv, i)}'`);
      return;
    }
  }
  // Redis's order: options are checked first, then the credentials, then whether the
  // connection may go on at all.
  if (user !== null && password !== null) {
    if (!credentialsValid(ctx.config.requirepass, user, password)) {
      out.error("WRONGPASS", Errors.wrongPass());
      return;
    }
    session.authenticated = true;
  }
  if (!session.authenticated) {
    out.error("NOAUTH", Errors.helloNoAuth());
    return;
  }
  // Everything checked: apply, then reply in the new protocol (Redis does the same).
  session.respVersion = version;
  if (setName !== undefined) session.name = setName;
  writeMapHeader(out, 7);
  writeBulkString(out, "server");
  writeBulkString(out, "redis");
  writeBulkString(out, "version");
  writeBulkString(out, COMPAT_REDIS_VERSION);
  writeBulkString(out, "proto");
  out.integer(version);
  writeBulkString(out, "id");
  out.integer(session.id);
  writeBulkString(out, "mode");
  writeBulkString(out, "standalone");
  writeBulkString(out, "role");
  writeBulkString(out, "master");
  writeBulkString(out, "modules");
  out.array(0);
}

const CLIENT_NAME_ERROR = "Client names cannot contain spaces, newlines or special characters.";

/** Redis allows printable ASCII without spaces (33..126). */
function validClientName(name: string): boolean {
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/** Library name/version a client reported with CLIENT SETINFO; kept beside the session, off the hot path. */
const clientLibraries = new WeakMap<Session, { name: string; version: string }>();

/** CLIENT SETNAME | GETNAME | ID | INFO | LIST | KILL | SETINFO | NO-EVICT | NO-TOUCH | HELP */
export function client(ctx: ServerContext, session: Session, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  const sub = argText(argv, 1).toUpperCase();
  const argc = argv.length;
  switch (sub) {
    case "SETNAME": {
      if (argc !== 3) return wrongSubArity(out, spec, sub);
      const name = argText(argv, 2);
      if (!validClientName(name)) {
        out.error("ERR", CLIENT_NAME_ERROR);
        return;
      }
      session.name = name === "" ? null : name;
      out.ok();
      return;
    }
    case "GETNAME":
      if (argc !== 2) return wrongSubArity(out, spec, sub);
      if (session.name === null) out.nil();
      else writeBulkString(out, session.name);
      return;
    case "ID":
      if (argc !== 2) return wrongSubArity(out, spec, sub);
      out.integer(session.id);
      return;
    case "INFO":
      if (argc !== 2) return wrongSubArity(out, spec, sub);
      writeBulkString(out, clientInfoLine(session, Date.now()) + "\n");
      return;
    case "LIST": {
      // CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]
      let ids: Set<number> | null = null;
      let typeFilter: string | null = null;
      for (let i = 2; i < argc; i++) {
        const opt = argText(argv, i).toUpperCase();
        if (opt === "TYPE" && i + 1 < argc) {
          typeFilter = argText(argv, ++i).toLowerCase();
          if (!["normal", "master", "replica", "slave", "pubsub"].includes(typeFilter)) {
            out.error("ERR", `Unknown client type '${typeFilter}'`);
            return;
          }
        } else if (opt === "ID" && i + 1 < argc) {
          ids = new Set();
          for (i++; i < argc; i++) {
            const id = argInteger(argv, i);
            if (id === null || id <= 0) {
              out.error("ERR", "Invalid client ID");
              return;
            }
            ids.add(id);
          }
        } else {
          out.error("ERR", Errors.syntax());
          return;
        }
      }
      const now = Date.now();
      let text = "";
      for (const s of ctx.sessions()) {
        if (ids !== null && !ids.has(s.id)) continue;
        if (typeFilter !== null && typeFilter !== "normal") continue;
        text += clientInfoLine(s, now) + "\n";
      }
      writeBulkString(out, text);
      return;
    }
    case "KILL":
      if (argc < 3) return wrongSubArity(out, spec, sub);
      clientKill(ctx, session, argv, out);
      return;
    case "SETINFO": {
      if (argc !== 4) return wrongSubArity(out, spec, sub);
      const attr = argText(argv, 2).toUpperCase();
      const value = argText(argv, 3);
      if (attr !== "LIB-NAME" && attr !== "LIB-VER") {
        out.error("ERR", `Unrecognized option '${argText(argv, 2)}'`);
        return;
      }
      if (!validClientName(value) && value !== "") {
        out.error("ERR", `${attr === "LIB-NAME" ? "lib-name" : "lib-ver"} cannot contain spaces, newlines or special characters.`);
        return;
      }
      const lib = clientLibraries.get(session) ?? { name: "", version: "" };
      if (attr === "LIB-NAME") lib.name = value;
      else lib.version = value;
      clientLibraries.set(session, lib);
      out.ok();
      return;
    }
    case "NO-EVICT":
    case "NO-TOUCH": {
      if (argc !== 3) return wrongSubArity(out, spec, sub);
      const v = argText(argv, 2).toUpperCase();
      if (v !== "ON" && v !== "OFF") {
        out.error("ERR", Errors.syntax());
        return;
      }
      out.ok();
      return;
    }
    case "HELP":
      writeHelp(out, [
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * ID <client-id>",
        "      Kill connections by client id.",
        "    * MAXAGE <maxage>",
        "      Kill connections older than the specified age.",
        "LIST [TYPE <normal|master|replica|pubsub>] [ID <id> [<id> ...]]",
        "    Return information about client connections.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Set client library name or version.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "HELP",
        "    Print this help.",
      ]);
      return;
    default:
      out.error("ERR", `unknown subcommand '${argText(argv, 1)}'. Try CLIENT HELP.`);
  }
}

/**
 * CLIENT KILL ip:port (replies OK, or "No such client"; may name the caller) or CLIENT KILL
 * <filter> <value> ... with ID, ADDR, LADDR, TYPE, USER, SKIPME (default yes) and MAXAGE, all of
 * which must match; replies with how many connections it closed. As in Redis, the others close
 * at once, with the replies they are still owed, and the caller gets its reply first.
 */
function clientKill(ctx: ServerContext, session: Session, argv: readonly Uint8Array[], out: ReplySink): void {
  const argc = argv.length;
  let id: number | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let normalOnly: boolean | null = null;
  let maxAgeSeconds: number | null = null;
  let skipMe = true;
  const oldForm = argc === 3;
  if (oldForm) {
    addr = argText(argv, 2);
    skipMe = false;
  } else {
    if ((argc - 2) % 2 !== 0) {
      out.error("ERR", Errors.syntax());
      return;
    }
    for (let i = 2; i < argc; i += 2) {
      const option = argText(argv, i).toUpperCase();
      const value = argText(argv, i + 1);
      if (option === "ID") {
        id = argInteger(argv, i + 1);
        if (id === null || id < 1) {
          out.error("ERR", "client-id should be greater than 0");
          return;
        }
      } else if (option === "ADDR") {
        addr = value;
      } else if (option === "LADDR") {
        laddr = value;
      } else if (option === "TYPE") {
        const type = value.toLowerCase();
        if (!["normal", "master", "replica", "slave", "pubsub"].includes(type)) {
          out.error("ERR", `Unknown client type '${value}'`);
          return;
        }
        normalOnly = type === "normal"; // every connection here is a normal one
      } else if (option === "USER") {
        // Only the default user exists (AUTH with a password is the default user's).
        if (value !== "default") {
          out.error("ERR", `No such user '${value}'`);
          return;
        }
      } else if (option === "SKIPME") {
        const v = value.toLowerCase();
        if (v !== "yes" && v !== "no") {
          out.error("ERR", Errors.syntax());
          return;
        }
        skipMe = v === "yes";
      } else if (option === "MAXAGE") {
        maxAgeSeconds = argInteger(argv, i + 1);
        if (maxAgeSeconds === null) {
          out.error("ERR", Errors.notInteger());
          return;
        }
      } else {
        out.error("ERR", Errors.syntax());
        return;
      }
    }
  }
  const now = Date.now();
  const victims: Session[] = [];
  for (const s of ctx.sessions()) {
    if (id !== null && s.id !== id) continue;
    if (addr !== null && s.remoteAddress !== addr) continue;
    if (laddr !== null && s.localAddress !== laddr) continue;
    if (normalOnly === false) continue;
    if (maxAgeSeconds !== null && (now - s.createdAtMs) / 1000 < maxAgeSeconds) continue;
    if (skipMe && s.id === session.id) continue;
    victims.push(s);
  }
  if (oldForm) {
    if (victims.length === 0) {
      out.error("ERR", "No such client");
      return;
    }
    out.ok();
  } else {
    out.integer(victims.length);
  }
  for (const s of victims) {
    if (s.id === session.id) session.closeAfterReply = true;
    else s.kill();
  }
}

function wrongSubArity(out: ReplySink, spec: CommandSpec, sub: string): void {
  out.error("ERR", `wrong number of arguments for '${spec.name.toLowerCase()}|${sub.toLowerCase()}' command`);
}

/** Redis's help replies are arrays of status lines. */
export function writeHelp(out: ReplySink, lines: readonly string[]): void {
  out.array(lines.length);
  for (const line of lines) out.status(line);
}

/** CLIENT LIST's flags: P subscribed, x in MULTI, N none (Redis's letters). */
function clientFlags(s: Session): string {
  const f = (s.channelCount + s.patternCount > 0 ? "P" : "") + (s.queuedCommands >= 0 ? "x" : "");
  return f === "" ? "N" : f;
}

/** One line of CLIENT LIST / CLIENT INFO, with the fields clients and operators look at. */
export function clientInfoLine(s: Session, nowMs: number): string {
  const lib = clientLibraries.get(s);
  const age = Math.max(0, Math.floor((nowMs - s.createdAtMs) / 1000));
  const idle = Math.max(0, Math.floor((nowMs - s.lastActiveMs) / 1000));
  return (
    `id=${s.id} addr=${s.remoteAddress} laddr=${s.localAddress} fd=-1 name=${s.name ?? ""} age=${age} idle=${idle} flags=${clientFlags(s)} db=0 ` +
    `sub=${s.channelCount} psub=${s.patternCount} ssub=0 multi=${s.queuedCommands} watch=${s.watchedKeyCount} user=default redir=-1 resp=${s.respVersion} ` +
    `lib-name=${lib?.name ?? ""} lib-ver=${lib?.version ?? ""} proto=${s.protocol}`
  );
}

/**
 * Password authentication, Redis style: `--requirepass` sets the password of the only user,
 * "default"; AUTH and HELLO ... AUTH check it. Without a password the default user is
 * "nopass" (Redis's term): every connection starts authenticated and any password is
 * accepted for "default". Error words are Redis 7's, so Redis clients recognise them.
 *
 * What is refused before authentication is decided by the router (the NO_AUTH command flag),
 * not here: this file only answers AUTH and checks credentials for HELLO.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Errors, type CommandSpec, type ReplySink } from "@tessera/proto";
import type { ServerContext, Session } from "./context.js";

const DEFAULT_USER = Buffer.from("default");

/** SHA-256 of the configured password, computed once per password string. */
let cachedPassword: string | null = null;
let cachedDigest: Buffer = Buffer.alloc(0);

function passwordDigest(requirepass: string): Buffer {
  if (requirepass !== cachedPassword) {
    cachedDigest = createHash("sha256").update(requirepass, "utf8").digest();
    cachedPassword = requirepass;
  }
  return cachedDigest;
}

/**
 * True when `user`/`password` are valid credentials on this server. Constant time in the
 * password: both sides are hashed to 32 bytes and compared with timingSafeEqual, so neither
 * the length nor a common prefix of a guess shows in the response time. The user name is
 * public and may be compared plainly.
 */
export function credentialsValid(requirepass: string, user: Uint8Array, password: Uint8Array): boolean {
  if (!DEFAULT_USER.equals(user)) return false;
  if (requirepass === "") return true; // nopass: any password for "default"
  const given = createHash("sha256").update(password).digest();
  return timingSafeEqual(given, passwordDigest(requirepass));
}

/** AUTH password | AUTH username password */
export function auth(ctx: ServerContext, session: Session, _spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  if (argv.length > 3) {
    out.error("ERR", Errors.syntax());
    return;
  }
  const requirepass = ctx.config.requirepass;
  if (argv.length === 2 && requirepass === "") {
    // Redis keeps this error for the one-argument form: a client that sends a password the
    // server does not expect is probably pointed at the wrong server or misconfigured.
    out.error("ERR", Errors.authWithoutPassword());
    return;
  }
  const user = argv.length === 2 ? DEFAULT_USER : argv[1]!;
  const password = argv[argv.length - 1]!;
  if (!credentialsValid(requirepass, user, password)) {
    // A failed AUTH leaves the session as it was (an authenticated one stays so), as in Redis.
    out.error("WRONGPASS", Errors.wrongPass());
    return;
  }
  session.authenticated = true;
  out.ok();
}

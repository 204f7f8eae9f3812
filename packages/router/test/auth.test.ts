/**
 * Password authentication through the router (the one place both front ends share): AUTH,
 * HELLO ... AUTH, and the NOAUTH gate, with fake partitions so a refused command visibly
 * never reaches one.
 */
import { commandByName, COMMANDS, CommandFlag, type Reply } from "@tessera/proto";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../src/config.js";
import { Router } from "../src/router.js";
import { credentialsValid } from "../src/server-commands/auth.js";
import { executeServerCommand } from "../src/server-commands/index.js";
import type { ClientSession } from "../src/session.js";
import { bulk, CollectingTarget, NIL, OK } from "./support/collecting-target.js";
import { decodeFakeReply, FakePartition } from "./support/fake-partition.js";

const b = (s: string) => new Uint8Array(Buffer.from(s));

const NOAUTH: Reply = { kind: "error", code: "NOAUTH", message: "Authentication required." };
const WRONGPASS: Reply = { kind: "error", code: "WRONGPASS", message: "invalid username-password pair or user is disabled." };

interface Rig {
  router: Router;
  fakes: FakePartition[];
  target: CollectingTarget;
  session: ClientSession;
  /** Runs one command and returns its reply (waits for partitions if it went to one). */
  run(...words: string[]): Promise<Reply>;
}

let current: Router | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

async function rig(requirepass: string): Promise<Rig> {
  const fakes: FakePartition[] = [];
  const router = new Router({
    config: { ...defaultConfig(), partitions: 2, requirepass },
    createPartition: (id, callbacks) => {
      const f = new FakePartition(id, callbacks, { delayMs: () => 0 });
      fakes.push(f);
      return f;
    },
    decodeReply: decodeFakeReply,
    executeServerCommand,
  });
  current = router;
  await router.start();
  const session = router.openSession("resp", "test");
  const target = new CollectingTarget();
  let tag = 0;
  return {
    router,
    fakes,
    target,
    session,
    async run(...words) {
      const spec = commandByName(words[0]!);
      if (spec === undefined) throw new Error(`no command ${words[0]}`);
      const t = ++tag;
      router.execute(session, spec, words.map(b), target, t);
      for (let i = 0; i < 1000 && !target.replies.some((r) => r.tag === t); i++) await new Promise((r) => setTimeout(r, 1));
      const found = target.replies.find((r) => r.tag === t);
      if (found === undefined) throw new Error(`no reply to ${words.join(" ")}`);
      return found.reply;
    },
  };
}

const submitted = (r: Rig) => r.fakes.reduce((n, f) => n + f.submitted.length, 0);

describe("NOAUTH gate", () => {
  it("refuses every command without the no-auth flag until AUTH, without running it", async () => {
    const r = await rig("s3cret");
    expect(r.session.authenticated).toBe(false);
    expect(await r.run("SET", "k", "v")).toEqual(NOAUTH);
    expect(await r.run("GET", "k")).toEqual(NOAUTH);
    expect(await r.run("MGET", "a", "b", "c")).toEqual(NOAUTH);
    expect(await r.run("DBSIZE")).toEqual(NOAUTH);
    expect(await r.run("FLUSHALL")).toEqual(NOAUTH);
    expect(await r.run("PING")).toEqual(NOAUTH);
    expect(await r.run("CONFIG", "GET", "*")).toEqual(NOAUTH);
    expect(await r.run("INFO")).toEqual(NOAUTH);
    expect(submitted(r)).toBe(0);
    // Arity is checked first, as Redis does.
    expect(await r.run("GET")).toEqual({ kind: "error", code: "ERR", message: "wrong number of arguments for 'get' command" });

    expect(await r.run("AUTH", "wrong")).toEqual(WRONGPASS);
    expect(r.session.authenticated).toBe(false);
    expect(await r.run("AUTH", "s3cret")).toEqual(OK);
    expect(r.session.authenticated).toBe(true);
    expect(await r.run("SET", "k", "v")).toEqual(OK);
    expect(await r.run("GET", "k")).toEqual(bulk("v"));
    expect(submitted(r)).toBe(2);
  });

  it("lets only AUTH, HELLO, QUIT and RESET through before authentication (Redis 7.0's no-auth commands)", () => {
    const noAuth = COMMANDS.filter((c) => (c.flags & CommandFlag.NO_AUTH) !== 0).map((c) => c.name).sort();
    expect(noAuth).toEqual(["AUTH", "HELLO", "QUIT", "RESET"]);
  });

  it("answers QUIT before authentication and marks the session to close", async () => {
    const r = await rig("s3cret");
    expect(await r.run("QUIT")).toEqual(OK);
    expect(r.session.closeAfterReply).toBe(true);
  });

  it("keeps the order of replies when AUTH and commands are pipelined", async () => {
    const r = await rig("pw");
    const words = [["GET", "x"], ["AUTH", "pw"], ["SET", "x", "1"], ["GET", "x"], ["GET", "missing"]];
    words.forEach((w, i) => r.router.execute(r.session, commandByName(w[0]!)!, w.map(b), r.target, i + 1));
    for (let i = 0; i < 1000 && r.target.replies.length < words.length; i++) await new Promise((res) => setTimeout(res, 1));
    expect(r.target.replies.map((x) => x.tag)).toEqual([1, 2, 3, 4, 5]);
    expect(r.target.replies.map((x) => x.reply)).toEqual([NOAUTH, OK, OK, bulk("1"), NIL]);
  });

  it("starts every session authenticated when there is no password", async () => {
    const r = await rig("");
    expect(r.session.authenticated).toBe(true);
    expect(await r.run("SET", "k", "v")).toEqual(OK);
  });
});

describe("AUTH", () => {
  it("accepts the password alone or with the user 'default', and nothing else", async () => {
    const r = await rig("pw");
    expect(await r.run("AUTH", "default", "nope")).toEqual(WRONGPASS);
    expect(await r.run("AUTH", "alice", "pw")).toEqual(WRONGPASS);
    expect(await r.run("AUTH", "pw ")).toEqual(WRONGPASS);
    expect(await r.run("AUTH", "p")).toEqual(WRONGPASS);
    expect(r.session.authenticated).toBe(false);
    expect(await r.run("AUTH", "default", "pw")).toEqual(OK);
    expect(r.session.authenticated).toBe(true);
    // A later failed AUTH does not log the connection out (Redis behaves the same).
    expect(await r.run("AUTH", "bad")).toEqual(WRONGPASS);
    expect(r.session.authenticated).toBe(true);
    expect(await r.run("AUTH", "a", "b", "c")).toEqual({ kind: "error", code: "ERR", message: "syntax error" });
    expect(await r.run("AUTH")).toEqual({ kind: "error", code: "ERR", message: "wrong number of arguments for 'auth' command" });
  });

  it("without a password: AUTH <password> is an error, AUTH default <anything> is OK", async () => {
    const r = await rig("");
    expect(await r.run("AUTH", "pw")).toEqual({
      kind: "error",
      code: "ERR",
      message: "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
    });
    expect(await r.run("AUTH", "default", "anything")).toEqual(OK);
    expect(await r.run("AUTH", "alice", "anything")).toEqual(WRONGPASS);
  });

  it("compares binary passwords exactly", () => {
    expect(credentialsValid("pä\u0000ss", b("default"), b("pä\u0000ss"))).toBe(true);
    expect(credentialsValid("pä\u0000ss", b("default"), b("pa\u0000ss"))).toBe(false);
    expect(credentialsValid("pw", b("Default"), b("pw"))).toBe(false);
    expect(credentialsValid("", b("default"), b("x"))).toBe(true);
    expect(credentialsValid("", b("other"), b("x"))).toBe(false);
  });
});

describe("HELLO and authentication", () => {
  const helloNoAuth =
    "HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";

  it("refuses HELLO before AUTH, and authenticates with HELLO ... AUTH", async () => {
    const r = await rig("pw");
    expect(await r.run("HELLO")).toEqual({ kind: "error", code: "NOAUTH", message: helloNoAuth });
    expect(await r.run("HELLO", "3")).toEqual({ kind: "error", code: "NOAUTH", message: helloNoAuth });
    expect(r.session.respVersion).toBe(2);
    expect(await r.run("HELLO", "3", "AUTH", "default", "wrong")).toEqual(WRONGPASS);
    expect(await r.run("HELLO", "3", "AUTH", "bob", "pw")).toEqual(WRONGPASS);
    expect(r.session.respVersion).toBe(2);
    expect(r.session.authenticated).toBe(false);
    // Option errors come before the credentials are looked at.
    expect(await r.run("HELLO", "3", "AUTH", "default", "pw", "BOGUS")).toEqual({ kind: "error", code: "ERR", message: "Syntax error in HELLO option 'BOGUS'" });
    expect(r.session.authenticated).toBe(false);
    const hello = await r.run("HELLO", "3", "AUTH", "default", "pw", "SETNAME", "app");
    expect(hello.kind).toBe("array");
    expect(r.session.authenticated).toBe(true);
    expect(r.session.respVersion).toBe(3);
    expect(r.session.name).toBe("app");
    expect(await r.run("SET", "k", "v")).toEqual(OK);
  });

  it("without a password HELLO needs no AUTH, and HELLO AUTH accepts any password for 'default'", async () => {
    const r = await rig("");
    expect((await r.run("HELLO", "2")).kind).toBe("array");
    expect((await r.run("HELLO", "2", "AUTH", "default", "whatever")).kind).toBe("array");
    expect(await r.run("HELLO", "2", "AUTH", "bob", "whatever")).toEqual(WRONGPASS);
  });
});

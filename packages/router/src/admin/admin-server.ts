/**
 * The admin HTTP API (fastify), for operators and their tools, on its own port
 * (`--admin-port`, default 7381, on the server's --host):
 *
 *   GET /health            200 {"status":"ok",...} when every partition serves; 503 "degraded"
 *                          while one is (re)starting. No token: load balancers and probes call it.
 *   GET /metrics           Prometheus text format (metrics.ts).
 *   GET /info[?section=s]  INFO's text (all sections unless `section` is given, repeatable).
 *   GET /slowlog[?count=n] the SLOWLOG as JSON, newest first (default 10, -1 = all).
 *   GET /config            every CONFIG GET parameter as a JSON object.
 *   PUT /config            {"name": value, ...}: CONFIG SET's rules (all validated before any
 *                          applies); 200 with the new values, 400 with CONFIG SET's error.
 *   POST /snapshot         BGSAVE: every partition starts a snapshot; ?wait=true runs SAVE and
 *                          answers once all are written. 409 when there is nothing to snapshot to
 *                          (in memory) or one is already running.
 *
 * Guard: when a token is configured (`--admin-token`, else the `--requirepass` password),
 * everything but /health needs `Authorization: Bearer <token>`, or answers 401. /info and
 * /slowlog show key names and values, so they are never open when the data is password-protected.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import type { ServerConfig } from "../config.js";
import type { Router } from "../router.js";
import { commandByName } from "@tessera/proto";
import { getConfig, INFO_SECTIONS, renderInfo, setConfig } from "../server-commands/index.js";
import { createMetricsRegistry } from "./metrics.js";

export class AdminServer {
  private readonly app: FastifyInstance;
  private readonly metrics: Registry;

  constructor(
    private readonly router: Router,
    private readonly config: Readonly<ServerConfig>,
  ) {
    this.metrics = createMetricsRegistry(router);
    // No request logging: the server's log is for operators' events, not for every scrape.
    // forceCloseConnections: a graceful stop must not wait on a scraper's open connection (an
    // idle, half-sent or half-open one would hold it forever: Node stops timing requests out
    // once the server is closing). The timeouts bound what a slow client can hold meanwhile.
    this.app = Fastify({ logger: false, forceCloseConnections: true, connectionTimeout: 30_000, requestTimeout: 30_000 });
    this.app.addHook("onRequest", async (request, reply) => {
      if (request.url === "/health" || request.url.startsWith("/health?")) return;
      if (!this.authorized(request)) {
        await reply.code(401).header("www-authenticate", 'Bearer realm="tessera-admin"').send({ error: "unauthorized: send 'Authorization: Bearer <admin token>'" });
      }
    });
    this.app.get("/health", async (_request, reply) => this.health(reply));
    this.app.get("/metrics", async (_request, reply) => {
      const text = await this.metrics.metrics();
      return reply.type(this.metrics.contentType).send(text);
    });
    this.app.get("/info", async (request, reply) => this.info(request, reply));
    this.app.get("/slowlog", async (request, reply) => this.slowlog(request, reply));
    this.app.get("/config", async (_request, reply) => reply.send(Object.fromEntries(getConfig(this.router, ["*"]))));
    this.app.put("/config", async (request, reply) => this.putConfig(request, reply));
    this.app.post("/snapshot", async (request, reply) => this.snapshot(request, reply));
  }

  private putConfig(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const body = request.body;
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      return reply.code(400).send({ error: 'expects a JSON object of parameters, e.g. {"maxmemory": "2gb"}' });
    }
    const pairs = Object.entries(body as Record<string, unknown>);
    if (pairs.length === 0) return reply.code(400).send({ error: "no parameters given" });
    const bad = pairs.find(([, v]) => typeof v !== "string" && typeof v !== "number");
    if (bad !== undefined) return reply.code(400).send({ error: `the value of '${bad[0]}' must be a string or a number` });
    const error = setConfig(this.router, pairs.map(([k, v]) => [k, String(v)] as const));
    if (error !== null) return reply.code(400).send({ error });
    const names = pairs.map(([k]) => k.toLowerCase());
    // Write-only parameters (requirepass) are applied but, as in CONFIG GET, never shown.
    return reply.send(Object.fromEntries(getConfig(this.router, names)));
  }

  private async snapshot(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const wait = (request.query as Record<string, unknown>).wait === "true";
    const name = wait ? "SAVE" : "BGSAVE";
    const result = await this.router.runInternal([Buffer.from(name)], commandByName(name)!);
    if (result.kind === "error") return reply.code(409).send({ error: `${result.code} ${result.message}` });
    const status = result.kind === "status" ? result.text : result.kind === "ok" ? "OK" : "done";
    return reply.send({ status });
  }

  /** Listens on the configured host and port; returns the port bound. */
  async listen(port: number): Promise<number> {
    try {
      await this.app.listen({ host: this.config.host, port });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new Error(`the admin HTTP port ${this.config.host}:${port} is in use (--admin-port PORT picks another, --admin-port 0 turns the admin API off)`);
      }
      throw e;
    }
    const address = this.app.server.address();
    return typeof address === "object" && address !== null ? address.port : port;
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private token(): string {
    return this.config.adminToken !== "" ? this.config.adminToken : this.config.requirepass;
  }

  private authorized(request: FastifyRequest): boolean {
    const token = this.token();
    if (token === "") return true;
    const header = request.headers.authorization ?? "";
    // Digests of equal length, compared in constant time: neither the token nor its length leaks.
    const digest = (text: string) => createHash("sha256").update(text).digest();
    return timingSafeEqual(digest(header.startsWith("Bearer ") ? header.slice(7) : ""), digest(token)) && header.startsWith("Bearer ");
  }

  private health(reply: FastifyReply): FastifyReply {
    const running = this.router.partitionsRunning;
    const partitions = this.router.partitions;
    const ok = running === partitions;
    return reply.code(ok ? 200 : 503).send({
      status: ok ? "ok" : "degraded",
      partitions,
      partitionsRunning: running,
      uptimeSeconds: Math.floor((Date.now() - this.router.startedAtMs) / 1000),
    });
  }

  private info(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const query = request.query as Record<string, string | string[] | undefined>;
    const asked = query.section === undefined ? [] : ([] as string[]).concat(query.section).map((s) => s.toLowerCase());
    const unknown = asked.filter((s) => !INFO_SECTIONS.includes(s));
    if (unknown.length > 0) return reply.code(400).send({ error: `unknown INFO section(s): ${unknown.join(", ")}; known: ${INFO_SECTIONS.join(", ")}` });
    const sections = asked.length === 0 ? INFO_SECTIONS : INFO_SECTIONS.filter((s) => asked.includes(s));
    return reply.type("text/plain; charset=utf-8").send(renderInfo(this.router, sections, Date.now()));
  }

  private slowlog(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const raw = (request.query as Record<string, unknown>).count;
    const count = raw === undefined ? 10 : typeof raw === "string" && /^-?[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(count) || count < -1) return reply.code(400).send({ error: "count must be one integer >= -1 (-1 = all)" });
    const entries = this.router.slowlog.newest(count).map((e) => ({
      id: e.id,
      time: e.atSeconds,
      durationMicros: e.durationUs,
      // Arguments are bytes; JSON carries them as latin1 text (one char per byte, lossless).
      args: e.args.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("latin1")),
      clientAddr: e.clientAddr,
      clientName: e.clientName,
    }));
    return reply.send(entries);
  }
}

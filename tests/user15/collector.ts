/**
 * A test collector on `Deno.serve`: takes gzipped NDJSON batches, dedups them
 * by `idempotency-key`, and can be told to be slow, to fail with 500s or to
 * hang until the client gives up.
 *
 * @module
 */
import type { LogRecord } from "./agent.ts";
import { sha256hex } from "./hash_worker.ts";

export type Mode = "ok" | "fail" | "slow" | "hang";

export class Collector {
  mode: Mode = "ok";
  slowMs = 50;
  /** Fail this many requests with 500 before going back to `mode`. */
  failNext = 0;
  /** Every request, in arrival order: key and what happened. */
  readonly requests: { key: string; outcome: string }[] = [];
  /** Accepted batches by key (first delivery wins). */
  readonly batches = new Map<string, LogRecord[]>();
  duplicates = 0;
  /** Requests that carried a checksum (all verified). */
  checksums = 0;
  aborted = 0;
  active = 0;
  peakActive = 0;
  /** Resolves when a request starts hanging. */
  #hangWaiters: (() => void)[] = [];
  #server: Deno.HttpServer<Deno.NetAddr>;

  constructor() {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#handle(req),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}/ingest`;
  }

  /** All lines accepted, in batch arrival order. */
  lines(): LogRecord[] {
    return [...this.batches.values()].flat();
  }

  /** Resolves once `n` requests are hanging. */
  hanging(n: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.active >= n) resolve();
        else this.#hangWaiters.push(check);
      };
      check();
    });
  }

  async #handle(req: Request): Promise<Response> {
    const key = req.headers.get("idempotency-key") ?? "?";
    this.active++;
    this.peakActive = Math.max(this.peakActive, this.active);
    let outcome = "ok";
    // Deno's legacy request.signal also aborts after a response was sent:
    // count only aborts that come while the handler still runs.
    let handled = false;
    req.signal.addEventListener("abort", () => {
      if (!handled) this.aborted++;
    });
    try {
      const body = await new Response(
        req.body!.pipeThrough(new DecompressionStream("gzip")),
      ).text();
      const sum = req.headers.get("x-checksum");
      if (sum !== null) {
        this.checksums++;
        if (sum !== await sha256hex(body)) {
          outcome = "400";
          return new Response("bad checksum", { status: 400 });
        }
      }
      const records = body.split("\n").filter(Boolean).map((l) =>
        JSON.parse(l) as LogRecord
      );
      if (this.failNext > 0) {
        this.failNext--;
        outcome = "500";
        return new Response("boom", { status: 500 });
      }
      switch (this.mode) {
        case "fail":
          outcome = "500";
          return new Response("boom", { status: 500 });
        case "slow":
          await new Promise((r) => setTimeout(r, this.slowMs));
          break;
        case "hang": {
          outcome = "hang";
          const waiters = this.#hangWaiters.splice(0);
          for (const w of waiters) w();
          await new Promise<void>((resolve) => {
            if (req.signal.aborted) resolve();
            req.signal.addEventListener("abort", () => resolve());
          });
          return new Response("too late", { status: 503 });
        }
      }
      if (this.batches.has(key)) this.duplicates++;
      else this.batches.set(key, records);
      return new Response("ok");
    } finally {
      handled = true;
      this.active--;
      this.requests.push({ key, outcome });
    }
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }
}

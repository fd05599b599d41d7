/**
 * An API gateway on `Deno.serve` in front of a few upstream HTTP backends.
 *
 * - Hedged requests: each request goes to one backend; if no good answer
 *   came within `hedgeAfterMs` (or the attempt failed), the next backend is
 *   asked too. The first good answer wins; the others' fetches are aborted.
 * - A circuit breaker per backend (closed → open → half-open → closed), its
 *   state guarded by a `Lock`, with a loop timer (`callLater`) that moves an
 *   open breaker to half-open after `cooldownMs`. Half-open lets one probe
 *   through.
 * - A global limit on requests in flight (`BoundedSemaphore`); a request
 *   that cannot get a permit within `queueMs` gets a 503.
 * - A deadline per request (`timeout()`), handed to `fetch` as the scope's
 *   signal, so upstream calls stop at the deadline: 504.
 * - Graceful shutdown: stop accepting, let in-flight requests finish for
 *   `drainMs`, then cancel the rest (they answer 503).
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 tests/user4/gateway.ts
 * ```
 *
 * @module
 */
import {
  createTask,
  run,
  sleep,
  type Task,
  timeout,
  TimeoutError,
  wait,
  waitFor,
} from "../../mod.ts";
import { CancelledError, getRunningLoop, type TimerHandle } from "../../mod.ts";
import { BoundedSemaphore, Event, Lock } from "../../mod.ts";

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses calls before a probe. */
  cooldownMs: number;
}

/** A per-backend circuit breaker. */
export class CircuitBreaker {
  #lock = new Lock();
  #state: BreakerState = "closed";
  #failures = 0;
  #probeInFlight = false;
  #timer: TimerHandle | undefined;
  /** Every transition, in order, for observability. */
  readonly transitions: BreakerState[] = [];
  /** Set on each transition (cleared by whoever waits for the next one). */
  readonly changed = new Event();

  constructor(readonly name: string, readonly options: BreakerOptions) {}

  get state(): BreakerState {
    return this.#state;
  }

  #moveTo(state: BreakerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.transitions.push(state);
    this.changed.set();
  }

  /** Whether a call may go to this backend now (half-open: one probe). */
  async tryAcquire(): Promise<boolean> {
    using _ = await this.#lock.lock();
    switch (this.#state) {
      case "closed":
        return true;
      case "open":
        return false;
      case "half-open":
        if (this.#probeInFlight) return false;
        this.#probeInFlight = true;
        return true;
    }
  }

  /** Records how a call that `tryAcquire()` let through went. */
  async record(outcome: "ok" | "fail" | "abandoned"): Promise<void> {
    using _ = await this.#lock.lock();
    const wasProbe = this.#probeInFlight;
    this.#probeInFlight = false;
    if (outcome === "abandoned") return; // a hedge loser says nothing
    if (outcome === "ok") {
      this.#failures = 0;
      this.#moveTo("closed");
      return;
    }
    this.#failures++;
    if (
      wasProbe || this.#state === "half-open" ||
      this.#failures >= this.options.failureThreshold
    ) {
      this.#open();
    }
  }

  #open(): void {
    this.#moveTo("open");
    this.#timer?.cancel();
    this.#timer = getRunningLoop().callLater(this.options.cooldownMs, () => {
      this.#timer = undefined;
      if (this.#state === "open") this.#moveTo("half-open");
    });
  }

  /** Stops the cooldown timer. */
  dispose(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

export interface GatewayOptions {
  /** Base URLs of the upstreams, e.g. `http://127.0.0.1:1234`. */
  backends: string[];
  hedgeAfterMs?: number;
  requestTimeoutMs?: number;
  maxConcurrent?: number;
  queueMs?: number;
  drainMs?: number;
  breaker?: BreakerOptions;
}

export interface GatewayStats {
  served: number;
  hedged: number;
  timedOut: number;
  rejected: number;
  cancelledAtShutdown: number;
  /** Upstream fetches aborted because another attempt won. */
  abandoned: number;
}

class NoBackendError extends Error {
  override name = "NoBackendError";
}

interface Answer {
  backend: number;
  status: number;
  body: string;
}

export class Gateway {
  readonly breakers: CircuitBreaker[];
  readonly stats: GatewayStats = {
    served: 0,
    hedged: 0,
    timedOut: 0,
    rejected: 0,
    cancelledAtShutdown: 0,
    abandoned: 0,
  };
  readonly limit: BoundedSemaphore;
  readonly inflight = new Set<Task<Response>>();
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #next = 0;
  #closing = false;
  #opts: Required<GatewayOptions>;

  constructor(options: GatewayOptions) {
    this.#opts = {
      hedgeAfterMs: 50,
      requestTimeoutMs: 1_000,
      maxConcurrent: 16,
      queueMs: 200,
      drainMs: 500,
      breaker: { failureThreshold: 3, cooldownMs: 1_000 },
      ...options,
    };
    this.limit = new BoundedSemaphore(this.#opts.maxConcurrent);
    this.breakers = options.backends.map((_, i) =>
      new CircuitBreaker(`backend${i}`, this.#opts.breaker)
    );
  }

  get url(): string {
    if (!this.#server) throw new Error("not listening");
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  listen(): this {
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
    }, (req) => this.#accept(req));
    return this;
  }

  #accept(req: Request): Response | Promise<Response> {
    if (this.#closing) {
      return new Response("shutting down\n", { status: 503 });
    }
    // Deno.serve calls us outside any task: start one per request.
    const task = createTask(() => this.#handle(req), {
      name: `${req.method} ${new URL(req.url).pathname}`,
    });
    this.inflight.add(task);
    task.addDoneCallback(() => this.inflight.delete(task));
    return task;
  }

  async #handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    try {
      let permit;
      try {
        permit = await waitFor(
          this.limit.lock({ signal: req.signal }),
          this.#opts.queueMs,
        );
      } catch (e) {
        if (e instanceof TimeoutError) {
          this.stats.rejected++;
          return new Response("busy\n", { status: 503 });
        }
        throw e;
      }
      using _permit = permit;
      const answer = await timeout(
        this.#opts.requestTimeoutMs,
        (scope) => this.#hedged(path, scope.signal),
      );
      this.stats.served++;
      return new Response(answer.body, {
        status: answer.status,
        headers: { "x-backend": String(answer.backend) },
      });
    } catch (e) {
      if (e instanceof TimeoutError) {
        this.stats.timedOut++;
        return new Response("upstream timeout\n", { status: 504 });
      }
      if (e instanceof CancelledError) {
        this.stats.cancelledAtShutdown++;
        return new Response("shutting down\n", { status: 503 });
      }
      if (e instanceof NoBackendError) {
        return new Response("no backend available\n", { status: 502 });
      }
      if (e instanceof AggregateError) {
        return new Response("all backends failed\n", { status: 502 });
      }
      throw e;
    }
  }

  /** Backends in round-robin order, starting after the last one used. */
  #order(): number[] {
    const n = this.#opts.backends.length;
    const start = this.#next++ % n;
    return Array.from({ length: n }, (_, i) => (start + i) % n);
  }

  async #hedged(path: string, deadline: AbortSignal): Promise<Answer> {
    const candidates = this.#order();
    const controllers: AbortController[] = [];
    const attempts: Promise<Answer>[] = [];
    const launch = async (): Promise<boolean> => {
      while (candidates.length > 0) {
        const b = candidates.shift()!;
        if (!(await this.breakers[b]!.tryAcquire())) continue;
        const ac = new AbortController();
        controllers.push(ac);
        attempts.push(this.#attempt(b, path, ac.signal, deadline));
        return true;
      }
      return false;
    };
    try {
      if (!(await launch())) throw new NoBackendError("every breaker is open");
      for (;;) {
        // Wait for a good answer, or the hedge delay, whichever comes first.
        const first = await Promise.race([
          Promise.any(attempts).then(
            () => "answer" as const,
            () => "all-failed" as const,
          ),
          sleep(this.#opts.hedgeAfterMs).then(() => "hedge" as const),
        ]);
        if (first === "answer") return await Promise.any(attempts);
        if (!(await launch())) {
          // Nobody left to ask: the first good answer of those in flight.
          return await Promise.any(attempts);
        }
        if (first === "hedge") this.stats.hedged++;
      }
    } catch (e) {
      // Promise.any wraps the deadline's CancelledError in an AggregateError,
      // which timeout() would not recognise as its own: hand it back as is.
      if (deadline.aborted) throw deadline.reason;
      throw e;
    } finally {
      for (const ac of controllers) ac.abort(new Error("hedge lost"));
    }
  }

  async #attempt(
    b: number,
    path: string,
    mine: AbortSignal,
    deadline: AbortSignal,
  ): Promise<Answer> {
    const breaker = this.breakers[b]!;
    try {
      const res = await fetch(`${this.#opts.backends[b]}${path}`, {
        signal: AbortSignal.any([mine, deadline]),
      });
      const body = await res.text();
      if (res.status >= 500) {
        await breaker.record("fail");
        throw new Error(`backend ${b}: ${res.status}`);
      }
      await breaker.record("ok");
      return { backend: b, status: res.status, body };
    } catch (e) {
      if (mine.aborted && !deadline.aborted) {
        this.stats.abandoned++;
        await breaker.record("abandoned");
      } else if (!(e instanceof Error && e.message.startsWith("backend"))) {
        await breaker.record("fail"); // refused, reset, or too slow
      }
      throw e;
    }
  }

  /**
   * Stops accepting, lets the requests in flight finish for `drainMs`, then
   * cancels the rest, and waits until the HTTP server is down.
   */
  async shutdown(): Promise<void> {
    if (!this.#server || this.#closing) return;
    this.#closing = true;
    const server = this.#server;
    const stopped = server.shutdown(); // stops accepting, waits for responses
    if (this.inflight.size > 0) {
      const { pending } = await wait([...this.inflight], {
        timeout: this.#opts.drainMs,
      });
      for (const t of pending) t.cancel("gateway shutting down");
      if (pending.size > 0) await wait(pending);
    }
    await stopped;
    for (const b of this.breakers) b.dispose();
  }
}

/** A tiny upstream for the demo: answers after `delayMs`. */
function demoBackend(
  name: string,
  delayMs: number,
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      await new Promise((r) => setTimeout(r, delayMs));
      return new Response(`${name} ${new URL(req.url).pathname}\n`);
    },
  );
}

if (import.meta.main) {
  await run(async () => {
    const ups = [
      demoBackend("slow", 300),
      demoBackend("fast", 5),
      demoBackend("fast2", 5),
    ];
    const gw = new Gateway({
      backends: ups.map((u) => `http://127.0.0.1:${u.addr.port}`),
      hedgeAfterMs: 30,
    }).listen();
    const answers = await Promise.all(
      ["/a", "/b", "/c"].map(async (p) => {
        const res = await fetch(gw.url + p, {
          signal: AbortSignal.timeout(2_000),
        });
        return `${res.status} via ${res.headers.get("x-backend")}: ${
          (await res.text()).trim()
        }`;
      }),
    );
    console.log(answers.join("\n"));
    console.log(gw.stats);
    await gw.shutdown();
    await Promise.all(ups.map((u) => u.shutdown()));
  });
}

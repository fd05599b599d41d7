/**
 * A small HTTP origin for the crawler, served by `Deno.serve` on 127.0.0.1
 * (port 0). Plain native Deno code: no aio here, on purpose, because that is
 * how a test fixture server is usually written.
 *
 * Routes:
 * - `/`              links to the pages below (and to an off-site URL)
 * - `/p/N`           a page linking to `/p/2N` and `/p/2N+1` while N < 8
 * - `/slow`          answers after `slowMs`
 * - `/hang`          never answers (until the client goes away)
 * - `/error`         500
 * - `/flaky`         503 for the first `flakyFailures` requests, then 200
 * - `/big`           a 1 MiB body streamed in 16 KiB chunks, 10 ms apart
 * - `/missing`       404
 * - `/private`       disallowed by robots.txt
 * - `/robots.txt`, `/sitemap.txt`
 *
 * @module
 */

export interface OriginOptions {
  /** Delay of every `/p/N` page, in ms. */
  pageMs?: number;
  /** Delay of `/slow`, in ms. */
  slowMs?: number;
  /** How many times `/flaky` fails before it answers. */
  flakyFailures?: number;
}

export interface OriginStats {
  requests: number;
  inFlight: number;
  peakInFlight: number;
  /** Requests whose client went away before the handler finished. */
  aborted: number;
  /** `/big` bodies the client cancelled before their end. */
  bodiesCancelled: number;
  byPath: Map<string, number>;
}

export interface Origin extends AsyncDisposable {
  readonly url: string;
  readonly stats: OriginStats;
  /** Resolves once `n` client aborts have been seen. */
  abortsReached(n: number): Promise<void>;
  close(): Promise<void>;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const html = (title: string, links: string[]) =>
  `<!doctype html><title>${title}</title><body>${
    links.map((l) => `<a href="${l}">${l}</a>`).join("\n")
  }</body>`;

export function startOrigin(options: OriginOptions = {}): Promise<Origin> {
  const { pageMs = 20, slowMs = 150, flakyFailures = 2 } = options;
  const closing = new AbortController();
  const stats: OriginStats = {
    requests: 0,
    inFlight: 0,
    peakInFlight: 0,
    aborted: 0,
    bodiesCancelled: 0,
    byPath: new Map(),
  };
  const abortWaiters: { n: number; resolve: () => void }[] = [];
  const noteAbort = () => {
    stats.aborted++;
    for (const w of abortWaiters.splice(0)) {
      if (stats.aborted >= w.n) w.resolve();
      else abortWaiters.push(w);
    }
  };
  let flaky = 0;

  const route = async (req: Request, signal: AbortSignal) => {
    const path = new URL(req.url).pathname;
    stats.byPath.set(path, (stats.byPath.get(path) ?? 0) + 1);
    const ok = (body: string, type = "text/html") =>
      new Response(body, { headers: { "content-type": type } });
    if (path === "/") {
      return ok(html("root", [
        "/p/1",
        "/slow",
        "/hang",
        "/error",
        "/flaky",
        "/big",
        "/missing",
        "/private",
        "http://example.invalid/offsite",
        "#top",
      ]));
    }
    const m = /^\/p\/(\d+)$/.exec(path);
    if (m) {
      const n = Number(m[1]);
      await delay(pageMs, signal);
      // Link back to /p/1 too: the crawler must not loop.
      return ok(
        html(`p${n}`, n < 8 ? [`/p/${2 * n}`, `${2 * n + 1}`, "/p/1"] : ["1"]),
      );
    }
    switch (path) {
      case "/robots.txt":
        return ok("User-agent: *\nDisallow: /private\n", "text/plain");
      case "/sitemap.txt":
        return ok("/extra\n", "text/plain");
      case "/extra":
        return ok(html("extra", []));
      case "/slow":
        await delay(slowMs, signal);
        return ok(html("slow", []));
      case "/hang":
        await delay(2 ** 31 - 1, signal);
        return ok("unreachable");
      case "/error":
        return new Response("boom", { status: 500 });
      case "/flaky":
        if (flaky++ < flakyFailures) {
          return new Response("try later", { status: 503 });
        }
        return ok(html("flaky", []));
      case "/big": {
        const chunk = new Uint8Array(16 * 1024).fill(120);
        let sent = 0;
        return new Response(
          new ReadableStream<Uint8Array>({
            async pull(ctrl) {
              if (sent === 64) return ctrl.close();
              try {
                await delay(10, closing.signal);
              } catch {
                return ctrl.close(); // the origin is closing
              }
              sent++;
              ctrl.enqueue(chunk);
            },
            cancel() {
              stats.bodiesCancelled++;
            },
          }),
          { headers: { "content-type": "application/octet-stream" } },
        );
      }
      default:
        return new Response("not found", { status: 404 });
    }
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      stats.requests++;
      stats.peakInFlight = Math.max(stats.peakInFlight, ++stats.inFlight);
      const signal = AbortSignal.any([req.signal, closing.signal]);
      try {
        return await route(req, signal);
      } catch (e) {
        if (req.signal.aborted) noteAbort();
        return new Response(String(e), { status: 499 });
      } finally {
        stats.inFlight--;
      }
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      closing.abort(new Error("origin closing"));
      await server.shutdown();
    })();
  return Promise.resolve({
    url,
    stats,
    abortsReached(n) {
      if (stats.aborted >= n) return Promise.resolve();
      return new Promise<void>((resolve) => abortWaiters.push({ n, resolve }));
    },
    close,
    [Symbol.asyncDispose]: close,
  });
}

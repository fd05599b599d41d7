/**
 * Download several URLs concurrently, one task per file, and report each as
 * it finishes, using `wait()` with `FIRST_COMPLETED`. Each file is written in
 * chunks as its body streams in, with a live progress line on a terminal
 * (plain progress lines otherwise). `--timeout SECONDS` gives each download
 * a time limit through `waitFor`: a straggler is cancelled (its `fetch` is
 * aborted through the task's signal) and its partial file removed.
 *
 * With no URLs, it starts a local HTTP server on 127.0.0.1 (a random port)
 * serving five generated files of different sizes, downloads those, and
 * shuts the server down: it runs offline.
 *
 * Run (local files, saved in a new temp dir):
 * `deno run --allow-net=127.0.0.1 --allow-write examples/download.ts`
 *
 * Options: `--out DIR` (save there instead; needs `--allow-write=DIR`),
 * `--timeout SECONDS`, then URLs (with `--allow-net=HOST` for their hosts).
 *
 * @module
 */

import {
  CancelledError,
  createTask,
  run,
  type Task,
  TimeoutError,
  wait,
  waitFor,
} from "../mod.ts";

interface Options {
  urls: string[];
  out: string | null;
  timeoutMs: number | null;
}

function parseArgs(args: string[]): Options {
  const options: Options = { urls: [], out: null, timeoutMs: null };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.split("=", 2) as [string, string | undefined];
    if (flag === "--out" || flag === "--timeout") {
      const value = inline ?? args[++i];
      if (value === undefined) throw new Error(`${flag} needs a value`);
      if (flag === "--out") options.out = value;
      else {
        const seconds = Number(value);
        if (!(seconds > 0)) throw new Error(`bad --timeout: ${value}`);
        options.timeoutMs = seconds * 1000;
      }
    } else if (arg.startsWith("--")) {
      throw new Error(`unknown option ${arg}`);
    } else {
      options.urls.push(arg);
    }
  }
  return options;
}

/** Sizes of the generated files; the server streams 16 KiB every 2 ms. */
const LOCAL_FILES: [string, number][] = [
  ["tiny.bin", 16 * 1024],
  ["small.bin", 96 * 1024],
  ["medium.bin", 320 * 1024],
  ["large.bin", 640 * 1024],
  ["huge.bin", 6 * 1024 * 1024],
];
const CHUNK = 16 * 1024;
const CHUNK_DELAY_MS = 2;

function startLocalServer(): Deno.HttpServer<Deno.NetAddr> {
  const sizes = new Map(LOCAL_FILES);
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) => {
      const name = new URL(request.url).pathname.slice(1);
      const size = sizes.get(name);
      if (size === undefined) return new Response("not found", { status: 404 });
      let sent = 0;
      let cancelled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          return new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              const n = Math.min(CHUNK, size - sent);
              controller.enqueue(new Uint8Array(n).fill(sent / CHUNK % 256));
              sent += n;
              // A client that went away can cancel the body inside enqueue().
              if (sent >= size && !cancelled) controller.close();
              resolve();
            }, CHUNK_DELAY_MS);
          });
        },
        cancel() {
          cancelled = true;
          clearTimeout(timer);
        },
      });
      return new Response(body, {
        headers: { "content-length": String(size) },
      });
    },
  );
}

/** Per-file progress: one redrawn line on a terminal, milestones otherwise. */
class Progress {
  readonly #tty = Deno.stdout.isTerminal();
  readonly #percent = new Map<string, number>();
  readonly #encoder = new TextEncoder();

  update(name: string, received: number, total: number | null): void {
    const percent = total ? Math.floor((received / total) * 100) : 0;
    const before = this.#percent.get(name) ?? -1;
    this.#percent.set(name, percent);
    if (this.#tty) {
      const line = [...this.#percent]
        .map(([n, p]) => `${n} ${String(p).padStart(3)}%`)
        .join("  ");
      Deno.stdout.writeSync(this.#encoder.encode(`\r\x1b[2K${line}`));
    } else if (Math.floor(percent / 25) > Math.floor(before / 25)) {
      console.log(`progress ${name} ${percent}%`);
    }
  }

  print(line: string): void {
    if (this.#tty) Deno.stdout.writeSync(this.#encoder.encode("\r\x1b[2K"));
    console.log(line);
  }
}

async function download(
  url: string,
  path: string,
  progress: Progress,
  signal: AbortSignal,
): Promise<number> {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const response = await fetch(url, { signal });
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new Error(`HTTP ${response.status}`);
  }
  const total = Number(response.headers.get("content-length")) || null;
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
  });
  let received = 0;
  try {
    for await (const chunk of response.body) {
      let written = 0;
      while (written < chunk.length) {
        written += await file.write(chunk.subarray(written));
      }
      received += chunk.length;
      progress.update(name, received, total);
    }
  } catch (e) {
    file.close();
    await Deno.remove(path).catch(() => {});
    throw e;
  }
  file.close();
  return received;
}

function fileName(url: string, index: number): string {
  const last = new URL(url).pathname.split("/").filter(Boolean).pop();
  return last ?? `download-${index}`;
}

async function main(): Promise<void> {
  const options = parseArgs(Deno.args);
  const server = options.urls.length === 0 ? startLocalServer() : null;
  const urls = server !== null
    ? LOCAL_FILES.map(([name]) =>
      `http://127.0.0.1:${server.addr.port}/${name}`
    )
    : options.urls;
  const dir = options.out ??
    await Deno.makeTempDir({ prefix: "aio-download-" });
  await Deno.mkdir(dir, { recursive: true });
  console.log(`Downloading ${urls.length} files to ${dir}`);

  const progress = new Progress();
  const names = new Map<Task<number>, string>();
  urls.forEach((url, i) => {
    const name = fileName(url, i);
    const task = createTask(
      () =>
        waitFor(
          (signal) => download(url, `${dir}/${name}`, progress, signal),
          options.timeoutMs,
        ),
      { name },
    );
    names.set(task, name);
  });

  let pending = new Set(names.keys());
  let finished = 0;
  try {
    while (pending.size > 0) {
      const result = await wait(pending, { returnWhen: "FIRST_COMPLETED" });
      pending = result.pending;
      for (const task of result.done) {
        const name = names.get(task)!;
        const error = task.cancelled()
          ? new CancelledError()
          : task.exception();
        if (error === undefined) {
          finished++;
          progress.print(
            `Finished downloading ${name} (${task.result()} bytes)`,
          );
        } else if (error instanceof TimeoutError) {
          progress.print(`Timed out downloading ${name}: cancelled`);
        } else {
          progress.print(`Failed downloading ${name}: ${error}`);
        }
      }
    }
  } finally {
    for (const task of pending) task.cancel();
    await server?.shutdown();
  }
  console.log(`Done: ${finished} of ${urls.length} downloaded`);
}

await run(main);

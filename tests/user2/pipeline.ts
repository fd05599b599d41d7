/**
 * Shell-style pipelines of subprocesses, plumbed by aio instead of the
 * kernel: `openFile(input) | cmd1 | cmd2 | ... > collected output`.
 *
 * - Every stage is a `createSubprocessExec()` child; an `AsyncDisposableStack`
 *   kills whatever still runs when the pipeline ends, however it ends.
 * - Pumps move bytes between stages with `StreamReader.readInto()` into one
 *   reused buffer per pump and `write()` + `drain()` for backpressure.
 * - A `taskGroup()` runs the feeder, the pumps, the stderr collectors and one
 *   watcher per stage: a stage that exits non-zero fails the group, which
 *   cancels everything else.
 * - A stage whose reader went away (`head`) makes the stage before it get a
 *   SIGPIPE, as in a shell; that exit is not a failure.
 * - The whole pipeline runs under `timeout()`, and can be cancelled.
 *
 * Also: `digest()` runs one command with `communicate()` under `waitFor()`.
 *
 * ```sh
 * deno run --allow-run --allow-read --allow-write tests/user2/pipeline.ts
 * ```
 *
 * @module
 */
import { run, type Task, taskGroup, timeout, waitFor } from "@aio/asyncio/task";
import {
  createSubprocessExec,
  openFile,
  type Process,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";

/** A stage exited with a non-zero status. */
export class StageFailed extends Error {
  override name = "StageFailed";
  constructor(
    readonly stage: number,
    readonly command: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`stage ${stage} (${command}) exited with ${code}: ${stderr.trim()}`);
  }
}

/** What a pipeline did. */
export interface PipelineResult {
  /** The last stage's stdout. */
  output: Uint8Array;
  /** Each stage's return code (`-13`: SIGPIPE after its reader left). */
  codes: number[];
  /** Bytes that went into each stage's stdin. */
  bytesIn: number[];
}

/** Options of {@linkcode pipeline}. */
export interface PipelineOptions {
  /** A file fed to the first stage's stdin; none: its stdin is `/dev/null`. */
  input?: string;
  /** Limit of the whole pipeline. */
  timeoutMs?: number | null;
  /** Size of each pump's buffer. */
  bufferSize?: number;
  /** Called with each running stage once all are spawned (for tests). */
  onSpawn?: (procs: Process[]) => void;
}

const SIGPIPE = -13;

/** A write into a pipe whose reader is gone. */
function isBrokenPipe(e: unknown): boolean {
  return e instanceof Deno.errors.BrokenPipe ||
    e instanceof Deno.errors.ConnectionReset;
}

/**
 * Moves bytes from `from` to `to` until EOF, then closes `to`. Returns the
 * number of bytes moved, or `null` if `to`'s reader went away first.
 */
export async function pump(
  from: StreamReader,
  to: StreamWriter,
  bufferSize = 64 * 1024,
): Promise<number | null> {
  const buf = new Uint8Array(bufferSize);
  let moved = 0;
  try {
    for (let n; (n = await from.readInto(buf)) > 0;) {
      to.write(buf.subarray(0, n)); // copied: buf can be reused at once
      await to.drain();
      moved += n;
    }
    to.close();
    await to.waitClosed();
    return moved;
  } catch (e) {
    if (!isBrokenPipe(e)) throw e;
    to.abort();
    return null;
  }
}

/** Runs `stages` as a pipeline; see the module doc. */
export function pipeline(
  stages: string[][],
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  const bufferSize = options.bufferSize ?? 64 * 1024;
  return timeout(options.timeoutMs ?? null, async () => {
    await using stack = new AsyncDisposableStack();
    const procs: Process[] = [];
    for (const [i, [cmd, ...args]] of stages.entries()) {
      const proc = await createSubprocessExec(cmd!, args, {
        stdin: i === 0 && options.input === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      });
      stack.use(proc); // killed and reaped when the pipeline ends
      procs.push(proc);
    }
    options.onSpawn?.(procs);
    const bytesIn = stages.map(() => 0);
    const codes: number[] = stages.map(() => 0);
    const downstreamGone = stages.map(() => false);
    const chunks: Uint8Array[] = [];

    await taskGroup(async (tg) => {
      if (options.input !== undefined) {
        const input = options.input;
        tg.createTask(async () => {
          await using file = await waitFor(openFile(input), 5_000);
          const stdin = procs[0]!.stdin!;
          try {
            for (let chunk; (chunk = await file.read(bufferSize)).length > 0;) {
              stdin.write(chunk);
              await stdin.drain();
              bytesIn[0]! += chunk.length;
            }
            stdin.close();
            await stdin.waitClosed();
          } catch (e) {
            if (!isBrokenPipe(e)) throw e;
            stdin.abort();
          }
        }, { name: "feed" });
      }
      for (let i = 0; i + 1 < procs.length; i++) {
        tg.createTask(async () => {
          const moved = await pump(
            procs[i]!.stdout!,
            procs[i + 1]!.stdin!,
            bufferSize,
          );
          if (moved === null) {
            // Like a shell: the writer gets SIGPIPE once its reader is gone.
            downstreamGone[i] = true;
            procs[i]!.kill("SIGPIPE");
          } else bytesIn[i + 1] = moved;
        }, { name: `pump ${i}->${i + 1}` });
      }
      tg.createTask(async () => {
        const out = procs.at(-1)!.stdout!;
        for (let chunk; (chunk = await out.read(bufferSize)).length > 0;) {
          chunks.push(chunk);
        }
      }, { name: "collect" });
      const stderrs: Task<string>[] = procs.map((p, i) =>
        tg.createTask(
          async () => new TextDecoder().decode(await p.stderr!.read()),
          {
            name: `stderr ${i}`,
          },
        )
      );
      for (const [i, p] of procs.entries()) {
        tg.createTask(async () => {
          const code = await p.wait();
          codes[i] = code;
          if (code === 0 || (code === SIGPIPE && downstreamGone[i])) return;
          throw new StageFailed(
            i,
            stages[i]!.join(" "),
            code,
            await stderrs[i]!,
          );
        }, { name: `wait ${i}` });
      }
    });
    const output = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of chunks) {
      output.set(c, off);
      off += c.length;
    }
    return { output, codes, bytesIn };
  });
}

/**
 * Runs `cmd args` with `input` on stdin and returns its stdout, using
 * `communicate()`; gives up after `ms` (the child is killed).
 */
export async function filter(
  cmd: string,
  args: string[],
  input: Uint8Array | string,
  ms: number,
): Promise<Uint8Array> {
  await using proc = await createSubprocessExec(cmd, args, {
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const [out, err] = await waitFor(proc.communicate(input), ms);
  if (proc.returncode !== 0) {
    throw new StageFailed(
      0,
      cmd,
      proc.returncode!,
      new TextDecoder().decode(err!),
    );
  }
  return out!;
}

/** The SHA-256 of `data`, computed by `sha256sum`, in hex. */
export async function digest(data: Uint8Array, ms = 10_000): Promise<string> {
  const out = await filter("sha256sum", ["-"], data, ms);
  return new TextDecoder().decode(out).split(" ")[0]!;
}

if (import.meta.main) {
  await run(async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/log.txt`;
      const lines = Array.from(
        { length: 10_000 },
        (_, i) => `${i % 7 === 0 ? "ERROR" : "INFO"} user${i % 13}\n`,
      );
      await Deno.writeTextFile(path, lines.join(""));
      const r = await pipeline(
        [["grep", "ERROR"], ["cut", "-d", " ", "-f", "2"], ["sort"], [
          "uniq",
          "-c",
        ]],
        { input: path, timeoutMs: 10_000 },
      );
      console.log(new TextDecoder().decode(r.output), r.codes, r.bytesIn);
      console.log(await digest(new TextEncoder().encode("hello")));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

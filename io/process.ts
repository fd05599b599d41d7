/**
 * `Process`: a running child process with stream pipes, as asyncio's
 * `asyncio.subprocess.Process`.
 *
 * @module
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { runInScope } from "../task/scope_future.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { Future } from "../loop/future.ts";
import { describeValue } from "../loop/describe_value.ts";
import { createTask, type Task } from "../task/task.ts";
import { wait } from "../task/wait.ts";
import { isCancelledError, outerRequest } from "../loop/cancel_scope.ts";
import type { CancelledError } from "../loop/errors.ts";
import { type Pump, pumpReadable, writableSink } from "./_pump.ts";
import { invalidSignal, signalNumber } from "./_signals.ts";
import { mergedStderr } from "./_stdio.ts";
import { checkBytesOrText, waitOn } from "./_wait.ts";
import { StreamReader } from "./stream_reader.ts";
import { StreamWriter } from "./stream_writer.ts";

/** Options for {@linkcode Process.wait}. */
export interface ProcessWaitOptions extends SignalOptions {
  /**
   * Kill the child (`SIGKILL`) if the wait is cancelled or aborted. By
   * default the child keeps running.
   *
   * @default {false}
   */
  killOnCancel?: boolean;
}

/** Options for {@linkcode Process}. */
export interface ProcessOptions {
  /**
   * The stdout/stderr readers' buffer limit in bytes.
   *
   * @default {65536}
   */
  limit?: number;
}

/**
 * A child process. Its piped standard streams are a
 * {@linkcode StreamWriter} (`stdin`) and {@linkcode StreamReader}s
 * (`stdout`, `stderr`); `null` when not piped.
 *
 * `returncode` follows asyncio: the exit code, or `-N` when signal `N`
 * killed the child (every signal, by its number on the running system:
 * `SIGSYS` is `-31` on Linux, `-12` on macOS); `null` while it runs.
 * (Deno 2.9 cannot name a real-time signal, 34 to 64 on Linux: a child one
 * of them killed gets its `-N`, but Deno keeps its resource open for the
 * life of the program, and its test sanitizer reports it.)
 *
 * Output is read ahead into each reader up to its limit, then the pipe is
 * not read until you read: a child that writes a lot to a pipe nobody reads
 * blocks, as in asyncio. `communicate()` reads both pipes at once, so it
 * cannot deadlock. `await using proc` kills a child still running and
 * releases the pipes.
 *
 * `kill()`, `terminate()` and disposal signal the child alone, as
 * asyncio's do: a process it started (the commands a shell runs, say) goes
 * on running. To stop a whole tree, start the child in a process group of
 * its own (`newSession: true`) and signal the group with
 * {@linkcode Process.killGroup}.
 *
 * @example Run and collect output
 * ```ts
 * import { createSubprocessExec } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const [out, code] = await run(async () => {
 *   await using proc = await createSubprocessExec("echo", ["hi"], { stdout: "piped" });
 *   const [stdout] = await proc.communicate();
 *   return [new TextDecoder().decode(stdout!), proc.returncode];
 * });
 * assert.equal(out, "hi\n");
 * assert.equal(code, 0);
 * ```
 */
export class Process implements AsyncDisposable {
  /** The child's stdin, when piped. */
  readonly stdin: StreamWriter | null;
  /** The child's stdout, when piped. */
  readonly stdout: StreamReader | null;
  /** The child's stderr, when piped. */
  readonly stderr: StreamReader | null;
  readonly #child: Deno.ChildProcess;
  readonly #pumps: Pump[] = [];
  #returncode: number | null = null;
  #waiters: Future<number>[] = [];
  readonly #exited: Promise<void>;
  /** Why the child's status could not be read, if it could not. */
  #statusError: { error: unknown } | null = null;

  /**
   * Wraps a spawned `Deno.ChildProcess` (`createSubprocessExec` is the usual
   * way). Its piped streams become the process's streams.
   *
   * @param child The child.
   * @param options The readers' limit.
   *
   * @example Wrap a Deno.Command
   * ```ts
   * import { Process } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const code = await run(async () => {
   *   const child = new Deno.Command("true", { stdin: "null", stdout: "null", stderr: "null" }).spawn();
   *   await using proc = new Process(child);
   *   return await proc.wait();
   * });
   * assert.equal(code, 0);
   * ```
   */
  constructor(child: Deno.ChildProcess, options?: ProcessOptions) {
    this.#child = child;
    const limit = options?.limit !== undefined ? { limit: options?.limit } : {};
    let stdin: StreamWriter | null = null;
    try {
      stdin = new StreamWriter(writableSink(child.stdin));
    } catch {
      // Not piped.
    }
    this.stdin = stdin;
    this.stdout = this.#pipe(() => child.stdout, limit);
    this.stderr =
      (options as { [mergedStderr]?: boolean } | undefined)?.[mergedStderr]
        ? null
        : this.#pipe(() => child.stderr, limit);
    this.#exited = child.status.then((status) => {
      const signal = status.signal === null
        ? null
        : signalNumber(status.signal, status.code);
      this.#exit(signal === null ? status.code : -signal);
    }, (error) => {
      // Deno fails the status of a child that a signal it cannot name (a
      // real-time one) ended; the number is in the message.
      const signal = invalidSignal(error);
      if (signal !== null) {
        this.#exit(-signal);
        return;
      }
      this.#statusError = { error };
      for (const f of this.#waiters.splice(0)) {
        if (!f.done() && !f.getLoop().isClosed()) f.setException(error);
      }
    });
  }

  #exit(returncode: number): void {
    this.#returncode = returncode;
    for (const f of this.#waiters.splice(0)) {
      if (!f.done() && !f.getLoop().isClosed()) f.setResult(returncode);
    }
  }

  /**
   * The child's process id.
   *
   * @example A pid
   * ```ts
   * import { createSubprocessExec } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await using proc = await createSubprocessExec("true", []);
   *   assert.ok(proc.pid > 0);
   * });
   * ```
   */
  get pid(): number {
    return this.#child.pid;
  }

  /**
   * The exit code, `-N` if signal `N` killed the child, or `null` while it
   * runs.
   *
   * @example After wait
   * ```ts
   * import { createSubprocessExec } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const code = await run(async () => {
   *   await using proc = await createSubprocessExec("false", []);
   *   await proc.wait();
   *   return proc.returncode;
   * });
   * assert.equal(code, 1);
   * ```
   */
  get returncode(): number | null {
    return this.#returncode;
  }

  /**
   * Waits for the child to exit and returns `returncode`.
   *
   * **Cancellation**: cancelling the waiting task (or aborting `signal`)
   * ends the wait only: the child keeps running (asyncio's behaviour),
   * unless `killOnCancel` is set, which kills it with `SIGKILL`. A
   * pre-aborted signal rejects at once.
   *
   * @param options Signal and `killOnCancel`.
   * @returns The return code.
   *
   * @example Wait for exit
   * ```ts
   * import { createSubprocessShell } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const code = await run(async () => {
   *   await using proc = await createSubprocessShell("exit 3");
   *   return await proc.wait();
   * });
   * assert.equal(code, 3);
   * ```
   */
  wait(options?: ProcessWaitOptions): Promise<number> {
    return runInScope(
      () => this.#wait(options),
      "Process.wait",
    );
  }

  async #wait(options?: ProcessWaitOptions): Promise<number> {
    const signal = options?.signal;
    throwIfAborted(signal);
    if (this.#returncode !== null) return this.#returncode;
    if (this.#statusError !== null) throw this.#statusError.error;
    const waiter = new Future<number>(getRunningLoop());
    this.#waiters.push(waiter);
    try {
      await waitOn(waiter, signal);
    } catch (error) {
      if (options?.killOnCancel) this.kill();
      throw error;
    } finally {
      const i = this.#waiters.indexOf(waiter);
      if (i !== -1) this.#waiters.splice(i, 1);
    }
    return this.#returncode!;
  }

  /**
   * Writes `input` to stdin (if given) and closes it, reads stdout and
   * stderr to the end (both at once, in tasks, so a child that fills one
   * pipe while you wait on the other cannot deadlock), then waits for the
   * exit.
   *
   * **Cancellation**: cancelling the waiting task (or a deadline, or a
   * `waitFor()`/`gather()` that holds the promise) cancels the reading and
   * writing tasks and waits for them to end, as a `TaskGroup` does, before
   * the `CancelledError` propagates: so `communicate()` can be called again
   * at once, and gets the output not yet read, which stays in the readers.
   * The child keeps running. stdin is closed all the same: the child sees
   * EOF after the bytes already sent (asyncio leaves it open; here a second
   * `communicate(input)` cannot send the same input twice).
   *
   * @param input Bytes or text for stdin (copied: the bytes may be reused
   * once this returns).
   * @returns `[stdout, stderr]`, each `null` if not piped.
   * @throws {Error} If `input` is given and stdin is not piped.
   * @throws {TypeError} If `input` is neither bytes nor a string.
   *
   * @example Feed stdin, read stdout
   * ```ts
   * import { createSubprocessExec } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const out = await run(async () => {
   *   await using proc = await createSubprocessExec("cat", [], {
   *     stdin: "piped",
   *     stdout: "piped",
   *   });
   *   const [stdout] = await proc.communicate("meow");
   *   return new TextDecoder().decode(stdout!);
   * });
   * assert.equal(out, "meow");
   * ```
   */
  communicate(
    input?: Uint8Array | string,
  ): Promise<[Uint8Array<ArrayBuffer> | null, Uint8Array<ArrayBuffer> | null]> {
    if (input !== undefined && typeof input !== "string") {
      try {
        checkBytesOrText(input, "call communicate()");
      } catch (error) {
        return Promise.reject(error);
      }
      // Copied now: the feeder writes them later, and the caller may reuse
      // its bytes once this returns.
      input = new Uint8Array(input);
    }
    return runInScope(
      () => this.#communicate(input),
      "Process.communicate",
    );
  }

  async #communicate(
    input?: Uint8Array | string,
  ): Promise<[Uint8Array<ArrayBuffer> | null, Uint8Array<ArrayBuffer> | null]> {
    const stdin = this.stdin;
    if (input !== undefined && stdin === null) {
      throw new Error(
        'Cannot communicate() with input: stdin is not piped (pass stdin: "piped")',
      );
    }
    const tasks: Task<unknown>[] = [];
    const feeder = stdin === null ? null : createTask(async () => {
      try {
        if (input !== undefined && !stdin.isClosing()) {
          stdin.write(input);
          await stdin.drain();
        }
      } catch (error) {
        // The child closed its stdin (BrokenPipe): not an error here.
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
      } finally {
        stdin.close();
      }
      try {
        await stdin.waitClosed();
      } catch (error) {
        // It did so during the input's last bytes, which drain() let by.
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
      }
    }, { name: "communicate stdin" });
    const stdout = this.stdout;
    const stderr = this.stderr;
    const outTask = stdout === null
      ? null
      : createTask(() => stdout.read(), { name: "communicate stdout" });
    const errTask = stderr === null
      ? null
      : createTask(() => stderr.read(), { name: "communicate stderr" });
    for (const t of [feeder, outTask, errTask]) if (t !== null) tasks.push(t);
    try {
      if (feeder !== null) await feeder;
      const out = outTask === null ? null : await outTask;
      const err = errTask === null ? null : await errTask;
      await this.#wait();
      return [out, err];
    } catch (error) {
      throw await endTasks(tasks, error);
    }
  }

  /**
   * Sends `signal` to the child's process group: the child, and the
   * processes it started that are still in its group, even once the child
   * itself has exited (a shell's commands). The child must lead its group:
   * start it with `newSession: true` (or Deno's `detached: true`). Nothing
   * happens once the whole group is gone. POSIX only. As with `os.killpg()`,
   * the group is named by the child's pid: long after the whole group is
   * gone, the system may give that number to another group's leader.
   *
   * @param signal The signal; `"SIGKILL"` if left out.
   * @throws {Error} If the child still runs and leads no process group.
   * @throws {TypeError} If Deno does not know `signal` here.
   *
   * @example Stop a shell and the command it runs
   * ```ts
   * import { createSubprocessShell } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const code = await run(async () => {
   *   await using proc = await createSubprocessShell("sleep 60 & wait", {
   *     newSession: true,
   *   });
   *   proc.killGroup("SIGTERM"); // the shell and its sleep
   *   return await proc.wait();
   * });
   * assert.equal(code, -15);
   * ```
   */
  killGroup(signal?: Deno.Signal): void {
    signal ??= "SIGKILL";
    try {
      Deno.kill(-this.pid, signal);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        // No such group: gone with all its processes, or never led.
        if (this.#returncode !== null) return;
        throw new Error(
          `Cannot call killGroup(): the child (pid ${this.pid}) leads no process group; start it with newSession: true`,
          { cause: error },
        );
      }
      if (error instanceof TypeError) {
        throw new TypeError(
          `Cannot call killGroup(): ${
            describeValue(signal)
          } is not a signal Deno knows on ${Deno.build.os}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * Sends `signal` to the child (if it still runs), not to the processes
   * it started (see the class).
   *
   * @param signal The signal; `"SIGKILL"` if left out.
   * @throws {TypeError} If Deno does not know `signal` here (`"SIGFOO"`,
   * `"sigterm"`, `"TERM"`), while the child runs.
   *
   * @example Kill a sleeper
   * ```ts
   * import { createSubprocessExec } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const code = await run(async () => {
   *   await using proc = await createSubprocessExec("sleep", ["60"]);
   *   proc.kill();
   *   return await proc.wait();
   * });
   * assert.equal(code, -9);
   * ```
   */
  kill(signal?: Deno.Signal): void {
    // Optional, not defaulted in the signature: `deno doc` shows a default
    // parameter as a required one.
    signal ??= "SIGKILL";
    if (this.#returncode !== null) return;
    try {
      this.#child.kill(signal);
    } catch (error) {
      if (exitedMeanwhile(error)) return;
      // Deno refuses a name it does not know with a TypeError: the signal
      // was not sent, and the caller must hear of it.
      if (error instanceof TypeError) {
        throw new TypeError(
          `Cannot call kill(): ${
            describeValue(signal)
          } is not a signal Deno knows on ${Deno.build.os}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * Sends `SIGTERM`.
   *
   * @example Terminate
   * ```ts
   * import { createSubprocessExec } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const code = await run(async () => {
   *   await using proc = await createSubprocessExec("sleep", ["60"]);
   *   proc.terminate();
   *   return await proc.wait();
   * });
   * assert.equal(code, -15);
   * ```
   */
  terminate(): void {
    this.kill("SIGTERM");
  }

  /**
   * Kills the child if it still runs, waits for it, closes stdin and stops
   * reading its output: `await using proc = ...`.
   *
   * **Cancellation**: the wait ends; the child was already sent `SIGKILL`
   * and its pipes are released in the background.
   *
   * @example Dispose a running child
   * ```ts
   * import { createSubprocessExec } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const proc = await run(async () => {
   *   await using proc = await createSubprocessExec("sleep", ["60"], { stdout: "piped" });
   *   return proc;
   * });
   * assert.equal(proc.returncode, -9);
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.kill();
    this.stdin?.abort();
    // Settled, not all: stdin's close wait is a wait of the caller too, and
    // a cancellation that ends it early must not leave a rejection nobody
    // handles; the caller's own wait below ends with the same cancellation.
    const done = Promise.allSettled([
      this.#exited,
      ...this.#pumps.map((p) => p.cancel()),
      this.stdin?.waitClosed(),
    ]);
    const waiter = new Future<void>(getRunningLoop());
    done.then(() => {
      if (!waiter.done() && !waiter.getLoop().isClosed()) waiter.setResult();
    });
    await waiter;
  }

  #pipe(
    get: () => ReadableStream<Uint8Array>,
    options: { limit?: number },
  ): StreamReader | null {
    let readable: ReadableStream<Uint8Array>;
    try {
      readable = get();
    } catch {
      return null;
    }
    const reader = new StreamReader(options);
    this.#pumps.push(pumpReadable(readable, reader));
    return reader;
  }
}

/**
 * Ends the tasks of a `communicate()` that failed or was cancelled, as a
 * `TaskGroup` does on exit: those still running are cancelled, and all
 * are waited for, so their reads have left the readers (a retry may read
 * at once) and what they ended with is retrieved (the caller has the error
 * that ended `communicate()`; the others are not reported as never
 * retrieved). A cancellation that reaches this wait does not cut it short;
 * it is what to throw afterwards (the outer of two).
 *
 * @returns What `communicate()` throws: `error`, or that cancellation.
 */
async function endTasks(
  tasks: readonly Task<unknown>[],
  error: unknown,
): Promise<unknown> {
  let interrupted: CancelledError | null = null;
  for (const t of tasks) if (!t.done()) t.cancel();
  let pending = tasks.filter((t) => !t.done());
  while (pending.length > 0) {
    try {
      await wait(pending);
    } catch (e) {
      if (!isCancelledError(e)) throw e;
      interrupted = outerRequest(interrupted, e);
    }
    pending = pending.filter((t) => !t.done());
  }
  for (const t of tasks) if (!t.cancelled()) t.exception();
  if (interrupted === null) return error;
  return isCancelledError(error)
    ? outerRequest(error, interrupted)
    : interrupted;
}

/**
 * Whether `Deno.ChildProcess#kill()` failed because the child is gone
 * though its exit was not reported yet: Deno knows it ended (`TypeError:
 * Child process has already terminated`), or reaped it just before the
 * signal (`NotFound`, ESRCH).
 */
function exitedMeanwhile(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound ||
    (error instanceof TypeError &&
      error.message === "Child process has already terminated");
}

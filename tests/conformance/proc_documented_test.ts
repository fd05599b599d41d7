/**
 * Where aio's subprocesses differ from asyncio on purpose, each test asserts
 * aio's documented behaviour, names the CPython test or source it departs
 * from, and quotes the doc (`deno doc io/mod.ts`, README "How it differs
 * from asyncio").
 *
 * @module
 */

import assert from "node:assert/strict";
import { createSubprocessExec, LimitOverrunError } from "@aio/asyncio/io";
import { getRunningLoop } from "@aio/asyncio/loop";
import { CancelledError, createTask, sleep, waitFor } from "@aio/asyncio/task";
import { caught, PROGRAM_BLOCKED, prun, PY, SIG, str } from "./_proc_util.ts";

Deno.test("exec of a missing program: Deno.errors.NotFound (CPython FileNotFoundError)", async () => {
  // `createSubprocessExec` doc: "@throws {Deno.errors.NotFound} If the
  // program does not exist." Also with stdin piped and with stderr merged
  // (test_popen_error_with_stdin_pipe: nothing is left open; the resource
  // sanitizer checks it).
  const errors = await prun(async () => [
    await caught(() => createSubprocessExec("/nonexistent/aio-prog", [])),
    await caught(() =>
      createSubprocessExec("aio-no-such-prog-xyz", [], { stdin: "piped" })
    ),
    await caught(() =>
      createSubprocessExec("aio-no-such-prog-xyz", [], {
        stdout: "piped",
        stderr: "stdout",
      })
    ),
  ]);
  for (const e of errors) assert.ok(e instanceof Deno.errors.NotFound, `${e}`);
});

Deno.test("exec of a directory or a non-executable file: PermissionDenied; a file as directory: NotADirectory", async () => {
  // Doc: "@throws {Deno.errors.PermissionDenied} If it is not an
  // executable file." / "@throws {Deno.errors.NotADirectory} If a part of
  // its path is a file." (CPython: PermissionError, NotADirectoryError.)
  const [dir, file, notDir] = await prun(async () => [
    await caught(() => createSubprocessExec("/tmp", [])),
    await caught(() => createSubprocessExec("/etc/passwd", [])),
    await caught(() => createSubprocessExec("/etc/passwd/x", [])),
  ]);
  assert.ok(dir instanceof Deno.errors.PermissionDenied, `${dir}`);
  assert.ok(file instanceof Deno.errors.PermissionDenied, `${file}`);
  assert.ok(notDir instanceof Deno.errors.NotADirectory, `${notDir}`);
});

Deno.test("SubprocessTransportTests.test_proc_exited: kill()/terminate() after the exit do nothing (CPython: ProcessLookupError)", async () => {
  // `Process.kill` doc: "Sends `signal` to the child (if it still runs)."
  const returncode = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", "pass"]);
    await proc.wait();
    proc.kill();
    proc.terminate();
    proc.kill("SIGHUP");
    return proc.returncode;
  });
  assert.equal(returncode, 0);
});

Deno.test("kill() with a signal Deno does not know throws TypeError", async () => {
  // `Process.kill` doc: "@throws {TypeError} If Deno does not know
  // `signal` here (`"SIGFOO"`, `"sigterm"`, `"TERM"`), while the child
  // runs." (CPython's send_signal takes any int; os.kill raises OSError.)
  const [error, returncode] = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_BLOCKED);
    const error = await caught(() => proc.kill("SIGFOO" as Deno.Signal));
    proc.kill();
    return [error, await proc.wait()] as const;
  });
  assert.ok(error instanceof TypeError, `${error}`);
  assert.equal(returncode, -SIG.SIGKILL);
});

Deno.test("communicate(input) with stdin not piped throws (CPython: input dropped or AttributeError)", async () => {
  // `Process.communicate` doc: "@throws {Error} If `input` is given and
  // stdin is not piped."
  const [error, returncode] = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", "pass"], {
      stdin: "null",
    });
    const error = await caught(() => proc.communicate("abc"));
    return [error, await proc.wait()] as const;
  });
  assert.ok(error instanceof Error);
  assert.match((error as Error).message, /stdin is not piped/);
  assert.equal(returncode, 0);
});

Deno.test("stdout limit: readLine() over the limit throws LimitOverrunError (asyncio: ValueError), line dropped", async () => {
  // README: "`readLine()` throws `LimitOverrunError` (asyncio:
  // `ValueError`) after dropping the over-long line, as asyncio does."
  const [error, next, untilError, returncode] = await prun(async () => {
    // One write, and the exit awaited first, so the reader gets it in one
    // piece (how an over-long line is cut depends on how its bytes came,
    // in asyncio as in aio).
    await using proc = await createSubprocessExec(PY, [
      "-c",
      "import os; os.write(1, b'x' * 100 + b'\\nok\\n' + b'y' * 100 + b'#')",
    ], { stdout: "piped", limit: 10 });
    assert.equal(await proc.wait(), 0);
    const error = await caught(() => proc.stdout!.readLine());
    const next = str(await proc.stdout!.readLine());
    // readuntil() raises LimitOverrunError in asyncio too.
    const untilError = await caught(() => proc.stdout!.readUntil("#"));
    await proc.stdout!.read();
    return [error, next, untilError, await proc.wait()] as const;
  });
  assert.ok(error instanceof LimitOverrunError, `${error}`);
  assert.equal(next, "ok\n");
  assert.ok(untilError instanceof LimitOverrunError, `${untilError}`);
  assert.equal(returncode, 0);
});

Deno.test("SubprocessMixin.test_cancel_make_subprocess_transport_exec: the spawn is done at once, the task gets the process", async () => {
  // CPython cancels the creating task and kills the child. aio's
  // `createSubprocessExec` doc: "Spawning does not wait, so the future is
  // done at once and `waitFor(createSubprocessExec(...), ms)` hands the
  // process over rather than leaving it running for nobody."
  const [cancelled, running, returncode] = await prun(async () => {
    const task = createTask(() => createSubprocessExec(...PROGRAM_BLOCKED));
    getRunningLoop().callSoon(() => task.cancel());
    let cancelled = false;
    try {
      await using proc = await task;
      const running = proc.returncode;
      proc.kill();
      return [cancelled, running, await proc.wait()] as const;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      cancelled = true;
      return [cancelled, null, null] as const;
    }
  });
  assert.deepEqual([cancelled, running, returncode], [
    false,
    null,
    -SIG.SIGKILL,
  ]);
});

Deno.test("SubprocessMixin.test_cancel_make_subprocess_transport_exec (stderr merged): cancelled, child killed and reaped", async () => {
  // With `stderr: "stdout"` the spawn waits for the shell. Doc: "cancelling
  // it then ... kills the child and reaps it before the promise rejects with
  // `CancelledError`" (as CPython). The resource sanitizer checks the reap.
  const error = await prun(async () => {
    const task = createTask(() =>
      createSubprocessExec(...PROGRAM_BLOCKED, {
        stdout: "piped",
        stderr: "stdout",
      })
    );
    await sleep(0);
    task.cancel();
    return await caught(() => task);
  });
  assert.ok(error instanceof CancelledError, `${error}`);
});

Deno.test("wait({ killOnCancel }) kills the child when the wait is aborted", async () => {
  // `Process.wait` doc: "ends the wait only: the child keeps running
  // (asyncio's behaviour), unless `killOnCancel` is set, which kills it
  // with `SIGKILL`. A pre-aborted signal rejects at once."
  const [early, reason, returncode] = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_BLOCKED);
    const early = await caught(() =>
      proc.wait({ signal: AbortSignal.abort(new Error("pre")) })
    );
    const controller = new AbortController();
    const waiting = createTask(() =>
      proc.wait({ signal: controller.signal, killOnCancel: true })
    );
    await sleep(0);
    controller.abort(new Error("stop"));
    const reason = await caught(() => waiting);
    return [early, reason, await proc.wait()] as const;
  });
  assert.equal((early as Error).message, "pre");
  assert.equal((reason as Error).message, "stop");
  assert.equal(returncode, -SIG.SIGKILL);
});

Deno.test("communicate() cancelled: the child keeps running, a retry gets all the output", async () => {
  // `Process.communicate` doc: "cancels the reading and writing tasks and
  // waits for them to end ... so `communicate()` can be called again at
  // once, and gets the output not yet read, which stays in the readers.
  // The child keeps running." (asyncio's `read()` to EOF keeps the blocks
  // it read in a local list, so a cancelled communicate() loses them.)
  const marker = await Deno.makeTempFile();
  await Deno.remove(marker);
  try {
    const [running, out, err, returncode] = await prun(async () => {
      await using proc = await createSubprocessExec(PY, [
        "-c",
        "import sys, time\nsys.stdout.buffer.write(b'x' * 300000)\n" +
        "sys.stdout.flush()\nsys.stderr.write('e' * 1000); sys.stderr.flush()\n" +
        `open(${JSON.stringify(marker)}, 'w').close()\ntime.sleep(3600)`,
      ], { stdout: "piped", stderr: "piped", limit: 1000 });
      const first = createTask(() => proc.communicate());
      // The child has written everything once the marker exists.
      for (let i = 0; i < 10_000; i++) {
        try {
          await Deno.stat(marker);
          break;
        } catch {
          await sleep(1);
        }
      }
      first.cancel();
      assert.ok(await caught(() => first) instanceof CancelledError);
      const running = proc.returncode;
      proc.kill();
      const [out, err] = await waitFor(proc.communicate(), 10_000);
      return [running, out!.length, err!.length, proc.returncode] as const;
    });
    assert.equal(running, null);
    assert.equal(out, 300_000);
    assert.equal(err, 1000);
    assert.equal(returncode, -SIG.SIGKILL);
  } finally {
    await Deno.remove(marker).catch(() => {});
  }
});

Deno.test("stderr merged: the child is the program itself (same pid)", async () => {
  // `SubprocessOptions.stderr` doc: "The child is the program itself
  // (same pid: the shell `exec`s it)."
  const [pid, printed] = await prun(async () => {
    await using proc = await createSubprocessExec(PY, [
      "-c",
      "import os; print(os.getpid())",
    ], { stdout: "piped", stderr: "stdout" });
    const [out] = await proc.communicate();
    return [proc.pid, Number(str(out))] as const;
  });
  assert.equal(pid, printed);
});

/**
 * CPython `Lib/test/test_asyncio/test_subprocess.py`, class
 * `SubprocessMixin` (3.12, plus 3.15's `test_wait_even_if_pipe_is_open`,
 * gh-119710): the cases with behaviour observable on Linux, ported to aio's
 * `createSubprocessExec`/`createSubprocessShell`/`Process`. Each test names
 * its CPython original.
 *
 * Mapping: `subprocess.PIPE` is `"piped"`, `DEVNULL` is `"null"`, `STDOUT`
 * is `stderr: "stdout"`; `proc.send_signal(sig)` is `proc.kill(sig)` (aio's
 * `kill()` takes the signal, `SIGKILL` by default: `Process.kill` doc);
 * `asyncio.wait_for(..., LONG_TIMEOUT)` is `prun()`'s deadline.
 *
 * Not ported: `test_close_dont_kill_finished` (it needs the child to end
 * before Deno reports its exit to JS, which a test cannot arrange: under
 * load the port saw the child killed); and, with nothing to observe in aio, `test_start_new_session` (no
 * such option), `test_cancel_post_init` and `test_subprocess_protocol_events`
 * (protocol level: aio has no `SubprocessProtocol`), `test_popen_error*`
 * (they mock `subprocess.Popen`), the `text=`/`encoding=`/`errors=` cases
 * (no such options), `test_pause_reading`'s mock of `pause_reading` (its
 * output check is ported).
 *
 * @module
 */

import assert from "node:assert/strict";
import { createSubprocessExec, createSubprocessShell } from "@aio/asyncio/io";
import { getRunningLoop } from "@aio/asyncio/loop";
import { CancelledError, createTask, gather, sleep } from "@aio/asyncio/task";
import {
  b,
  caught,
  PIPE_MAX_SIZE,
  PROGRAM_BLOCKED,
  PROGRAM_CAT,
  prun,
  PY,
  SIG,
  str,
} from "./_proc_util.ts";

const LEN_OF_STDIN = "import sys; data = sys.stdin.read(); print(len(data))";

Deno.test("SubprocessMixin.test_stdin_stdout", async () => {
  const [exitcode, stdout] = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_CAT, {
      stdin: "piped",
      stdout: "piped",
    });
    // feed data
    proc.stdin!.write(b("some data"));
    await proc.stdin!.drain();
    proc.stdin!.close();
    // get output and exitcode
    const data = await proc.stdout!.read();
    const exitcode = await proc.wait();
    return [exitcode, data] as const;
  });
  assert.equal(exitcode, 0);
  assert.equal(str(stdout), "some data");
});

Deno.test("SubprocessMixin.test_communicate", async () => {
  const [exitcode, stdout] = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_CAT, {
      stdin: "piped",
      stdout: "piped",
    });
    const [stdout, stderr] = await proc.communicate(b("some data"));
    assert.equal(stderr, null);
    return [proc.returncode, stdout] as const;
  });
  assert.equal(exitcode, 0);
  assert.equal(str(stdout), "some data");
});

Deno.test("SubprocessMixin.test_communicate_none_input", async () => {
  // communicate() without input still closes the child's stdin (3.12+).
  const [exitcode, stdout] = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_CAT, {
      stdin: "piped",
      stdout: "piped",
    });
    const [stdout] = await proc.communicate();
    return [proc.returncode, stdout] as const;
  });
  assert.equal(exitcode, 0);
  assert.equal(str(stdout), "");
});

Deno.test("SubprocessMixin.test_shell", async () => {
  const exitcode = await prun(async () => {
    await using proc = await createSubprocessShell("exit 7");
    return await proc.wait();
  });
  assert.equal(exitcode, 7);
});

Deno.test("SubprocessMixin.test_kill", async () => {
  const returncode = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_BLOCKED);
    proc.kill();
    return await proc.wait();
  });
  assert.equal(returncode, -SIG.SIGKILL);
});

Deno.test("SubprocessMixin.test_kill_issue43884", async () => {
  // Killing a shell whose child (a grandchild of ours) keeps the stdout
  // pipe open: wait() still reports -SIGKILL. The grandchild's pid is
  // printed so that it can be ended afterwards (CPython's lives 1 s).
  const [returncode, grandchild] = await prun(async () => {
    await using proc = await createSubprocessShell(
      "sleep 30 & echo $!; wait; sleep 1",
      { stdout: "piped" },
    );
    const grandchild = Number(str(await proc.stdout!.readLine()));
    try {
      proc.kill();
      return [await proc.wait(), grandchild] as const;
    } finally {
      Deno.kill(grandchild, "SIGKILL");
    }
  });
  assert.equal(returncode, -SIG.SIGKILL);
  assert.ok(grandchild > 0);
});

Deno.test("SubprocessMixin.test_terminate", async () => {
  const returncode = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_BLOCKED);
    proc.terminate();
    return await proc.wait();
  });
  assert.equal(returncode, -SIG.SIGTERM);
});

Deno.test("SubprocessMixin.test_send_signal", async () => {
  // bpo-31034: the child must die of SIGHUP's default action. CPython sets
  // SIG_DFL in the parent before spawning; the child does it here.
  const code = "import signal, time; signal.signal(signal.SIGHUP, " +
    'signal.SIG_DFL); print("sleeping", flush=True); time.sleep(3600)';
  const returncode = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", code], {
      stdout: "piped",
    });
    // basic synchronization to wait until the program is sleeping
    const line = await proc.stdout!.readLine();
    assert.equal(str(line), "sleeping\n");
    proc.kill("SIGHUP");
    return await proc.wait();
  });
  assert.equal(returncode, -SIG.SIGHUP);
});

Deno.test("SubprocessMixin.test_stdin_broken_pipe", async () => {
  // The program ends before stdin is fed: drain() must raise
  // BrokenPipeError or ConnectionResetError. (CPython holds the child on
  // a pipe of its own until the write buffer is full; here the child has
  // exited, which wait() tells, before anything is written.)
  await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", "pass"], {
      stdin: "piped",
    });
    assert.equal(await proc.wait(), 0);
    proc.stdin!.write(new Uint8Array(PIPE_MAX_SIZE));
    const error = await caught(() => proc.stdin!.drain());
    assert.ok(
      error instanceof Deno.errors.BrokenPipe ||
        error instanceof Deno.errors.ConnectionReset,
      `${error}`,
    );
    assert.equal(await proc.wait(), 0);
  });
});

Deno.test("SubprocessMixin.test_communicate_ignore_broken_pipe", async () => {
  // communicate() must ignore BrokenPipeError when feeding stdin.
  const result = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", "pass"], {
      stdin: "piped",
    });
    const out = await proc.communicate(new Uint8Array(PIPE_MAX_SIZE));
    return [out, await proc.wait()] as const;
  });
  assert.deepEqual(result, [[null, null], 0]);
});

Deno.test("SubprocessMixin.test_pause_reading (output)", async () => {
  // Issue #22685: a child writing more than `limit` bytes; communicate()
  // still gets them all. (CPython also checks, with mocks, that the pipe
  // transport was paused and resumed: not observable here.)
  const limit = 10;
  const size = limit * 2 + 1;
  const stdout = await prun(async () => {
    await using proc = await createSubprocessExec(PY, [
      "-c",
      `import sys\nsys.stdout.write("x" * ${size})\nsys.stdout.flush()`,
    ], { stdin: "piped", stdout: "piped", limit });
    const [stdout] = await proc.communicate();
    return stdout;
  });
  assert.equal(str(stdout), "x".repeat(size));
});

for (
  const [name, input, expected] of [
    ["test_stdin_not_inheritable", "abc", "3"],
    ["test_empty_input", "", "0"],
  ] as const
) {
  Deno.test(`SubprocessMixin.${name}`, async () => {
    const [output, exitcode] = await prun(async () => {
      await using proc = await createSubprocessExec(PY, ["-c", LEN_OF_STDIN], {
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      });
      const [stdout] = await proc.communicate(b(input));
      return [str(stdout), await proc.wait()] as const;
    });
    assert.equal(output!.trimEnd(), expected);
    assert.equal(exitcode, 0);
  });
}

Deno.test("SubprocessMixin.test_devnull_input", async () => {
  const [output, exitcode] = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", LEN_OF_STDIN], {
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
    assert.equal(proc.stdin, null);
    const [stdout] = await proc.communicate();
    return [str(stdout), await proc.wait()] as const;
  });
  assert.equal(output!.trimEnd(), "0");
  assert.equal(exitcode, 0);
});

Deno.test("SubprocessMixin.test_devnull_output", async () => {
  const [output, exitcode] = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", LEN_OF_STDIN], {
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    });
    const [stdout] = await proc.communicate(b("abc"));
    return [stdout, await proc.wait()] as const;
  });
  assert.equal(output, null);
  assert.equal(exitcode, 0);
});

Deno.test("SubprocessMixin.test_devnull_error", async () => {
  const [output, exitcode] = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", LEN_OF_STDIN], {
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    });
    const [, stderr] = await proc.communicate(b("abc"));
    return [stderr, await proc.wait()] as const;
  });
  assert.equal(output, null);
  assert.equal(exitcode, 0);
});

Deno.test("SubprocessMixin.test_devstdin_input", async () => {
  const code =
    'file = open("/dev/stdin"); data = file.read(); print(len(data))';
  const [output, exitcode] = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", code], {
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    });
    const [stdout] = await proc.communicate(b("abc"));
    return [str(stdout), await proc.wait()] as const;
  });
  assert.equal(output!.trimEnd(), "3");
  assert.equal(exitcode, 0);
});

Deno.test("SubprocessMixin.test_cancel_process_wait", async () => {
  // Issue #23140: cancel Process.wait(); the child keeps running.
  const [before, after] = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_BLOCKED);
    const task = createTask(() => proc.wait());
    getRunningLoop().callSoon(() => task.cancel());
    await assert.rejects(task, CancelledError);
    // Cancel the future again: nothing happens.
    task.cancel();
    const before = proc.returncode;
    // Kill the process and wait until it is done
    proc.kill();
    return [before, await proc.wait()] as const;
  });
  assert.equal(before, null);
  assert.equal(after, -SIG.SIGKILL);
});

Deno.test("SubprocessMixin.test_close_kill_running", async () => {
  // Closing (here: disposing) a running child kills it.
  const [before, proc] = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_BLOCKED, {
      stdout: "piped",
    });
    return [proc.returncode, proc] as const;
  });
  assert.equal(before, null);
  assert.equal(proc.returncode, -SIG.SIGKILL);
});

Deno.test("SubprocessMixin.test_read_stdout_after_process_exit", async () => {
  const code = [
    "import sys",
    "for _ in range(64):",
    '    sys.stdout.write("x" * 4096)',
    "sys.stdout.flush()",
    "sys.exit(1)",
  ].join("\n");
  const [total, exitcode] = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", code], {
      stdout: "piped",
    });
    let total = 0;
    for (;;) {
      const data = await proc.stdout!.read(65536);
      if (data.length === 0) break;
      total += data.length;
      // CPython sleeps 0.3 s here so that the child exits meanwhile.
      await sleep(0);
    }
    return [total, await proc.wait()] as const;
  });
  assert.equal(total, 64 * 4096);
  assert.equal(exitcode, 1);
});

Deno.test("SubprocessMixin.test_create_subprocess_exec_with_path", async () => {
  // os.PathLike program: a file: URL here (the `cmd: string | URL`).
  const codes = await prun(async () => {
    const real = await Deno.realPath(PY);
    await using p = await createSubprocessExec(
      new URL(`file://${real}`),
      ["-c", "pass"],
    );
    return [await p.wait()];
  });
  assert.deepEqual(codes, [0]);
});

/** CPython's `check_stdout_output`. */
async function checkStdoutOutput(
  proc: Awaited<ReturnType<typeof createSubprocessExec>>,
  output: string,
): Promise<void> {
  const [stdout] = await proc.communicate();
  assert.equal(str(stdout), output);
  assert.equal(proc.returncode, 0);
  const task = createTask(() => proc.wait());
  await sleep(0);
  assert.equal(task.result(), proc.returncode);
}

Deno.test("SubprocessMixin.test_create_subprocess_env_shell", async () => {
  await prun(async () => {
    const cmd = `${PY} -c "import os, sys; sys.stdout.write(os.getenv('FOO'))"`;
    await using proc = await createSubprocessShell(cmd, {
      env: { FOO: "bar" },
      stdout: "piped",
    });
    await checkStdoutOutput(proc, "bar");
  });
});

Deno.test("SubprocessMixin.test_create_subprocess_env_exec", async () => {
  await prun(async () => {
    await using proc = await createSubprocessExec(PY, [
      "-c",
      "import os, sys; sys.stdout.write(os.getenv('FOO'))",
    ], { env: { FOO: "baz" }, stdout: "piped" });
    await checkStdoutOutput(proc, "baz");
  });
});

Deno.test("SubprocessMixin.test_subprocess_concurrent_wait", async () => {
  await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_CAT, {
      stdin: "piped",
      stdout: "piped",
    });
    const [stdout] = await proc.communicate(b("some data"));
    assert.equal(str(stdout), "some data");
    assert.equal(proc.returncode, 0);
    const codes = await gather(
      ...Array.from({ length: 10 }, () => proc.wait()),
    );
    assert.deepEqual(codes, Array(10).fill(proc.returncode));
  });
});

Deno.test("SubprocessMixin.test_subprocess_concurrent_wait (before exit)", async () => {
  // Same, with the ten waits started while the child runs.
  const codes = await prun(async () => {
    await using proc = await createSubprocessExec(...PROGRAM_CAT, {
      stdin: "piped",
    });
    const waits = gather(...Array.from({ length: 10 }, () => proc.wait()));
    await sleep(0);
    proc.stdin!.close();
    return await waits;
  });
  assert.deepEqual(codes, Array(10).fill(0));
});

Deno.test("SubprocessMixin.test_subprocess_protocol_events (streams)", async () => {
  // gh-108973, with streams: data of both pipes, EOF on both, the exit.
  const code =
    'import sys; sys.stdout.write("stdout"); sys.stderr.write("stderr")';
  const result = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", code], {
      stdout: "piped",
      stderr: "piped",
    });
    const out = await proc.stdout!.read();
    const err = await proc.stderr!.read();
    return [
      str(out),
      str(err),
      proc.stdout!.atEof(),
      proc.stderr!.atEof(),
      await proc.wait(),
    ];
  });
  assert.deepEqual(result, ["stdout", "stderr", true, true, 0]);
});

Deno.test("SubprocessMixin.test_subprocess_communicate_stdout", async () => {
  // gh-100133: many communicate() at once each get their own output.
  const outputs = Array.from({ length: 10 }, (_, i) => `foo${i}`);
  const res = await prun(() =>
    gather(...outputs.map(async (out) => {
      await using proc = await createSubprocessExec(PY, [
        "-c",
        `print(${JSON.stringify(out)})`,
      ], { stdout: "piped" });
      const [stdout] = await proc.communicate();
      return str(stdout)!.trim();
    }))
  );
  assert.deepEqual(res, outputs);
});

Deno.test("SubprocessMixin.test_wait_even_if_pipe_is_open", async () => {
  // gh-119710 (CPython 3.15): wait() returns once the process exits even
  // if its stdout pipe stays open (a grandchild holds it). Before that fix
  // asyncio's wait() waited for the pipes too; aio never did.
  const [returncode, eofBefore] = await prun(async () => {
    await using proc = await createSubprocessShell("sleep 30 & echo $!", {
      stdout: "piped",
    });
    const grandchild = Number(str(await proc.stdout!.readLine()));
    try {
      const returncode = await proc.wait();
      return [returncode, proc.stdout!.atEof()] as const;
    } finally {
      Deno.kill(grandchild, "SIGKILL");
    }
  });
  assert.equal(returncode, 0);
  assert.equal(eofBefore, false);
});

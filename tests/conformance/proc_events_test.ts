/**
 * CPython `Lib/test/test_asyncio/test_events.py`, class
 * `SubprocessTestsMixin`: the subprocess cases, ported from
 * `loop.subprocess_exec()` with a protocol to aio's `Process` streams.
 * CPython's helper scripts are inlined: `echo.py` (copies stdin to
 * stdout), `echo2.py` (`OUT:` + input to stdout, `ERR:` + input to
 * stderr). `transp.close()` is `await using` disposal (it kills a child
 * still running, as `transport.close()` does).
 *
 * Not ported: `test_subprocess_close_client_stream` (it closes the read
 * end of the child's stdout alone, `get_pipe_transport(1).close()`; aio's
 * `Process` has no per-pipe close, and neither has asyncio's high-level
 * `Process`), `test_subprocess_wait_no_same_group` (`start_new_session`),
 * the `*_invalid_args` cases (Python keyword arguments with no TypeScript
 * counterpart).
 *
 * @module
 */

import assert from "node:assert/strict";
import { createSubprocessExec, createSubprocessShell } from "@aio/asyncio/io";
import { b, prun, PY, SIG, str } from "./_proc_util.ts";

const ECHO = [
  "import os",
  "while True:",
  "    buf = os.read(0, 1024)",
  "    if not buf:",
  "        break",
  "    os.write(1, buf)",
].join("\n");

const ECHO2 = [
  "import os",
  "buf = os.read(0, 1024)",
  "os.write(1, b'OUT:' + buf)",
  "os.write(2, b'ERR:' + buf)",
].join("\n");

Deno.test("SubprocessTestsMixin.test_subprocess_exec", async () => {
  const [data, returncode] = await prun(async () => {
    const proc = await createSubprocessExec(PY, ["-c", ECHO], {
      stdin: "piped",
      stdout: "piped",
    });
    let data: Uint8Array;
    {
      await using _ = proc;
      proc.stdin!.write(b("Python The Winner"));
      data = await proc.stdout!.readExactly(17);
    }
    return [str(data), proc.returncode] as const;
  });
  assert.equal(data, "Python The Winner");
  assert.equal(returncode, -SIG.SIGKILL); // check_killed()
});

Deno.test("SubprocessTestsMixin.test_subprocess_interactive", async () => {
  const [got, returncode] = await prun(async () => {
    const proc = await createSubprocessExec(PY, ["-c", ECHO], {
      stdin: "piped",
      stdout: "piped",
    });
    const got: string[] = [];
    {
      await using _ = proc;
      for (const word of ["Python ", "The Winner"]) {
        proc.stdin!.write(b(word));
        await proc.stdin!.drain();
        got.push(str(await proc.stdout!.readExactly(word.length)));
      }
    }
    return [got, proc.returncode] as const;
  });
  assert.deepEqual(got, ["Python ", "The Winner"]);
  assert.equal(returncode, -SIG.SIGKILL);
});

Deno.test("SubprocessTestsMixin.test_subprocess_shell", async () => {
  const [out, returncode] = await prun(async () => {
    await using proc = await createSubprocessShell("echo Python", {
      stdin: "piped",
      stdout: "piped",
    });
    proc.stdin!.close();
    const out = await proc.stdout!.read();
    return [str(out), await proc.wait()] as const;
  });
  assert.equal(out.replace(/[\r\n]+$/, ""), "Python");
  assert.equal(returncode, 0);
});

Deno.test("SubprocessTestsMixin.test_subprocess_exitcode", async () => {
  const returncode = await prun(async () => {
    await using proc = await createSubprocessShell("exit 7", {
      stdin: "null",
      stdout: "null",
      stderr: "null",
    });
    return await proc.wait();
  });
  assert.equal(returncode, 7);
});

Deno.test("SubprocessTestsMixin.test_subprocess_close_after_finish", async () => {
  const proc = await prun(async () => {
    await using proc = await createSubprocessShell("exit 7", {
      stdin: "null",
      stdout: "null",
      stderr: "null",
    });
    assert.equal(proc.stdin, null);
    assert.equal(proc.stdout, null);
    assert.equal(proc.stderr, null);
    assert.equal(await proc.wait(), 7);
    return proc;
  });
  // Closing (disposing) a finished process changes nothing.
  assert.equal(proc.returncode, 7);
});

Deno.test("SubprocessTestsMixin.test_subprocess_stderr", async () => {
  const result = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", ECHO2], {
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    });
    const [out, err] = await proc.communicate(b("test"));
    return [str(out), str(err), proc.returncode];
  });
  assert.deepEqual(result, ["OUT:test", "ERR:test", 0]);
});

Deno.test("SubprocessTestsMixin.test_subprocess_stderr_redirect_to_stdout", async () => {
  const [out, err, returncode, stderr] = await prun(async () => {
    await using proc = await createSubprocessExec(PY, ["-c", ECHO2], {
      stdin: "piped",
      stdout: "piped",
      stderr: "stdout",
    });
    const [out, err] = await proc.communicate(b("test"));
    return [str(out), err, proc.returncode, proc.stderr] as const;
  });
  assert.ok(out!.startsWith("OUT:testERR:test"), out!);
  assert.equal(err, null);
  assert.equal(stderr, null);
  assert.equal(returncode, 0);
});

Deno.test("SubprocessTestsMixin.test_subprocess_kill/terminate/send_signal (exec and shell)", async () => {
  // The three signal cases, on one blocked child each, by exec and through
  // the shell (`exec` so that the signal reaches the program).
  const codes = await prun(async () => {
    const codes: number[] = [];
    for (const sig of ["SIGKILL", "SIGTERM", "SIGHUP"] as const) {
      await using proc = await createSubprocessShell(
        `exec ${PY} -c "import signal, sys, time; ` +
          `signal.signal(signal.SIGHUP, signal.SIG_DFL); ` +
          `print('ready', flush=True); time.sleep(3600)"`,
        { stdout: "piped" },
      );
      assert.equal(str(await proc.stdout!.readLine()), "ready\n");
      proc.kill(sig);
      codes.push(await proc.wait());
    }
    return codes;
  });
  assert.deepEqual(codes, [-SIG.SIGKILL, -SIG.SIGTERM, -SIG.SIGHUP]);
});

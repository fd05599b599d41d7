import assert from "node:assert/strict";
import { getRunningLoop } from "../loop/mod.ts";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  timeout,
  TimeoutError,
  waitFor,
} from "../task/mod.ts";
import { ticks, vrun } from "../task/_test_util.ts";
import { createSubprocessExec } from "./create_subprocess_exec.ts";
import { createSubprocessShell } from "./create_subprocess_shell.ts";

const dec = new TextDecoder();

Deno.test("Process.communicate() reads large outputs on both pipes without deadlock", async () => {
  const size = 1 << 20; // 1 MiB on each pipe, far above pipe buffers
  const got = await run(async () => {
    await using proc = await createSubprocessShell(
      `head -c ${size} /dev/zero; head -c ${size} /dev/zero >&2; cat`,
      { stdin: "piped", stdout: "piped", stderr: "piped" },
    );
    const input = "y".repeat(size);
    const [out, err] = await proc.communicate(input);
    return [out!.length, err!.length, proc.returncode];
  });
  assert.deepEqual(got, [2 * size, size, 0]);
});

Deno.test("Process.stdout streams lines as the child prints them", async () => {
  const got = await run(async () => {
    await using proc = await createSubprocessExec("sh", [
      "-c",
      "for i in 1 2 3; do echo line $i; done",
    ], { stdout: "piped" });
    const lines: string[] = [];
    for await (const line of proc.stdout!) lines.push(dec.decode(line).trim());
    return [lines, await proc.wait()];
  });
  assert.deepEqual(got, [["line 1", "line 2", "line 3"], 0]);
});

Deno.test("Process.stdin writes reach the child, and closing it ends the child's input", async () => {
  const got = await run(async () => {
    await using proc = await createSubprocessExec("wc", ["-l"], {
      stdin: "piped",
      stdout: "piped",
    });
    proc.stdin!.writeLines(["a\n", "b\n"]);
    await proc.stdin!.drain();
    proc.stdin!.close();
    await proc.stdin!.waitClosed();
    const out = dec.decode(await proc.stdout!.read()).trim();
    await proc.wait();
    return out;
  });
  assert.equal(got, "2");
});

Deno.test("cancelling a task waiting on Process.wait() does not kill the child", async () => {
  const got = await run(async () => {
    await using proc = await createSubprocessExec("sleep", ["30"]);
    const waiter = createTask(() => proc.wait());
    await sleep(1);
    waiter.cancel();
    await assert.rejects(waiter, CancelledError);
    const alive = proc.returncode;
    proc.terminate();
    return [alive, await proc.wait()];
  });
  assert.deepEqual(got, [null, -15]);
});

Deno.test("Process.wait() with killOnCancel kills the child when the wait times out", async () => {
  const code = await run(async () => {
    await using proc = await createSubprocessExec("sleep", ["30"]);
    await assert.rejects(
      timeout(20, () => proc.wait({ killOnCancel: true })),
      (e: Error) => e.name === "TimeoutError",
    );
    return await proc.wait();
  });
  assert.equal(code, -9);
});

Deno.test(
  "Process.kill() with a signal Deno does not know throws a TypeError naming it, and the child runs on",
  { ignore: Deno.build.os === "windows" },
  async () => {
    const got = await run(async () => {
      await using proc = await createSubprocessExec("sleep", ["30"]);
      assert.throws(
        () => proc.kill("SIGFOO" as Deno.Signal),
        (e: Error) =>
          e instanceof TypeError &&
          e.message ===
            `Cannot call kill(): SIGFOO is not a signal Deno knows on ${Deno.build.os}` &&
          (e.cause as Error).message === "Invalid signal: SIGFOO",
      );
      const alive = proc.returncode;
      proc.terminate();
      const code = await proc.wait();
      proc.kill(); // It exited: a no-op.
      return [alive, code];
    });
    assert.deepEqual(got, [null, -15]);
  },
);

Deno.test("Process.communicate() with input but no stdin pipe throws", async () => {
  await run(async () => {
    await using proc = await createSubprocessExec("true", []);
    await assert.rejects(proc.communicate("x"), /stdin is not piped/);
    await proc.wait();
  });
});

Deno.test("Process passes cwd and env to the child", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    const got = await run(async () => {
      await using proc = await createSubprocessShell(
        'echo "$(pwd) $AIO_TEST"',
        {
          stdout: "piped",
          cwd: dir,
          env: { AIO_TEST: "value" },
        },
      );
      const [out] = await proc.communicate();
      return dec.decode(out!).trim();
    });
    assert.equal(got, `${dir} value`);
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("createSubprocessExec() of a missing program rejects with NotFound", async () => {
  await assert.rejects(
    createSubprocessExec("/nonexistent/aio-program", []),
    Deno.errors.NotFound,
  );
});

/** Runs `fn` with the path of a new FIFO in a temporary directory. */
async function withFifo(fn: (fifo: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const fifo = `${dir}/fifo`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(made.success, "mkfifo");
    await fn(fifo);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(
  "Process.communicate() cut short by a waitFor() deadline has ended its reads when it rejects",
  { ignore: Deno.build.os === "windows" },
  async () => {
    await withFifo(async (fifo) => {
      const got = await vrun(async () => {
        // Silent until the FIFO is opened: the reads wait at the deadline.
        await using proc = await createSubprocessExec("sh", [
          "-c",
          'read x < "$1"; echo out; echo err >&2',
          "sh",
          fifo,
        ], { stdout: "piped", stderr: "piped" });
        await assert.rejects(waitFor(proc.communicate(), 50), TimeoutError);
        // Each reader is free: a read started now is the only one waiting.
        const out = proc.stdout!.read();
        const err = proc.stderr!.read();
        const go = await Deno.open(fifo, { write: true });
        await go.write(new TextEncoder().encode("go\n"));
        go.close();
        const got = [dec.decode(await out), dec.decode(await err)];
        await proc.wait();
        return got;
      });
      assert.deepEqual(got, ["out\n", "err\n"]);
    });
  },
);

Deno.test("Process.communicate() that fails on stdout retrieves the failure of its stderr task: nothing is reported", async () => {
  const got = await vrun(async () => {
    const reports: string[] = [];
    getRunningLoop().setExceptionHandler((_loop, context) => {
      reports.push(context.message);
    });
    await using proc = await createSubprocessExec("sleep", ["600"], {
      stdout: "piped",
      stderr: "piped",
    });
    proc.stderr!.setException(new Error("stderr broke"));
    const communicating = proc.communicate();
    await ticks(); // the stderr task failed; communicate() waits on stdout
    proc.stdout!.setException(new Error("stdout broke"));
    const error = await communicating.catch((e) => e.message);
    return { error, reports };
  });
  assert.deepEqual(got, { error: "stdout broke", reports: [] });
});

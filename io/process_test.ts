import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  timeout,
} from "../task/mod.ts";
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

Deno.test("createSubprocessExec() of a missing program throws NotFound", () => {
  assert.throws(
    () => createSubprocessExec("/nonexistent/aio-program", []),
    Deno.errors.NotFound,
  );
});

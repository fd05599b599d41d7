import assert from "node:assert/strict";
import { Future } from "../loop/future.ts";
import { gather, run, TimeoutError, waitFor } from "../task/mod.ts";
import { createSubprocessExec } from "./create_subprocess_exec.ts";
import { createSubprocessShell } from "./create_subprocess_shell.ts";
import { handedOver } from "./_test_util.ts";

const dec = new TextDecoder();
const unix = Deno.build.os !== "windows";

Deno.test(
  'createSubprocessExec() with stderr: "stdout" merges both streams in the order written',
  {
    ignore: !unix,
  },
  async () => {
    const got = await run(async () => {
      await using proc = await createSubprocessExec("sh", [
        "-c",
        "for i in 1 2 3 4 5 6 7 8; do echo out$i; echo err$i >&2; done; exit 3",
      ], { stdout: "piped", stderr: "stdout" });
      const [out, err] = await proc.communicate();
      return [dec.decode(out!), err, proc.stderr, proc.returncode];
    });
    const want = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => `out${i}\nerr${i}\n`);
    assert.deepEqual(got, [want.join(""), null, null, 3]);
  },
);

Deno.test(
  'stderr: "stdout" keeps order and every byte through 2 MiB of alternating writes',
  {
    ignore: !unix,
  },
  async () => {
    // 4,096 lines, each on the other stream than the last, 512 bytes apiece.
    const script = `
    i=0; line=$(head -c 500 /dev/zero | tr '\\0' x)
    while [ $i -lt 4096 ]; do
      if [ $((i % 2)) -eq 0 ]; then echo "o$i $line"; else echo "e$i $line" >&2; fi
      i=$((i + 1))
    done`;
    const lines = await run(async () => {
      await using proc = await createSubprocessShell(script, {
        stdout: "piped",
        stderr: "stdout",
      });
      const out: string[] = [];
      for await (const line of proc.stdout!) {
        out.push(dec.decode(line).split(" ")[0]!);
      }
      await proc.wait();
      return out;
    });
    assert.equal(lines.length, 4096);
    lines.forEach((tag, i) =>
      assert.equal(tag, `${i % 2 === 0 ? "o" : "e"}${i}`)
    );
  },
);

Deno.test(
  'stderr: "stdout" runs the program itself: same pid, its exit code, kill() reaches it',
  {
    ignore: !unix,
  },
  async () => {
    const got = await run(async () => {
      await using proc = await createSubprocessExec("sh", [
        "-c",
        "echo $$; exec sleep 30",
      ], { stdout: "piped", stderr: "stdout" });
      const pid = Number(dec.decode(await proc.stdout!.readLine()).trim());
      proc.terminate();
      return [pid === proc.pid, await proc.wait()];
    });
    assert.deepEqual(got, [true, -15]);
  },
);

Deno.test(
  'createSubprocessExec() with stderr: "stdout" of a missing program throws NotFound',
  {
    ignore: !unix,
  },
  async () => {
    await run(async () => {
      await assert.rejects(
        createSubprocessExec("aio-no-such-program", [], { stderr: "stdout" }),
        (e: unknown) =>
          e instanceof Deno.errors.NotFound &&
          e.message.includes("aio-no-such-program"),
      );
    });
  },
);

/**
 * The command lines of the running processes that contain `marker`, read
 * by a shell (Deno wants `--allow-all` to read `/proc` itself).
 */
async function processesWith(marker: string): Promise<string[]> {
  const out = await new Deno.Command("sh", {
    args: [
      "-c",
      'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done',
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  return dec.decode(out.stdout).split("\n").filter((l) => l.includes(marker));
}

Deno.test("a gather() of createSubprocessExec() cancelled at once still hands over the process it started", async () => {
  const got = await run(async () => {
    // Spawning does not wait: the child runs before the cancel.
    const all = gather(createSubprocessExec("true", []));
    all.cancel();
    return await handedOver(all);
  });
  assert.equal(got, "handed over");
});

Deno.test(
  'createSubprocessExec() with stderr: "stdout" cancelled while the shell looks the program up kills and reaps the child',
  { ignore: !unix || Deno.build.os !== "linux" },
  async () => {
    const marker = `600.${crypto.getRandomValues(new Uint32Array(1))[0]}`;
    const got = await run(async () => {
      const spawning = createSubprocessExec("sleep", [marker], {
        stdout: "piped",
        stderr: "stdout",
      });
      await assert.rejects(waitFor(spawning, 0), TimeoutError);
      const cancelled = spawning instanceof Future && spawning.cancelled();
      // Reaped when the promise ended (else the leak sanitizer complains).
      const left = await processesWith(marker);
      return [cancelled, left, await handedOver(spawning)];
    });
    assert.deepEqual(got, [true, [], "CancelledError"]);
  },
);

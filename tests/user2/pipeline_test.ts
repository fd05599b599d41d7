// deno test --allow-run --allow-read --allow-write tests/user2/pipeline_test.ts
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  TimeoutError,
} from "@aio/asyncio/task";
import type { Process } from "@aio/asyncio/io";
import { digest, filter, pipeline, StageFailed } from "./pipeline.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();

async function withTempFile<T>(
  text: string,
  fn: (path: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "aio-user2-" });
  try {
    const path = `${dir}/input.txt`;
    await Deno.writeTextFile(path, text);
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("file | grep | cut | sort | uniq -c gives the counts computed in JS, with backpressure all along", async () => {
  const levels = ["INFO", "WARN", "ERROR", "DEBUG"];
  const lines: string[] = [];
  const expected = new Map<string, number>();
  for (let i = 0; i < 120_000; i++) {
    const level = levels[(i * 7 + (i >> 3)) % 4]!;
    const user = `user${(i * 31) % 17}`;
    lines.push(`${level} ${user} ${"x".repeat(i % 40)}\n`);
    if (level === "ERROR") expected.set(user, (expected.get(user) ?? 0) + 1);
  }
  const text = lines.join("");
  await withTempFile(text, async (path) => {
    const r = await run(() =>
      pipeline(
        [["grep", "^ERROR "], ["cut", "-d", " ", "-f", "2"], ["sort"], [
          "uniq",
          "-c",
        ]],
        // Small buffers: many rounds of readInto/write/drain per stage.
        { input: path, timeoutMs: 60_000, bufferSize: 4096 },
      )
    );
    const got = new Map(
      dec.decode(r.output).trim().split("\n").map((l) => {
        const [n, user] = l.trim().split(/\s+/);
        return [user!, Number(n)] as const;
      }),
    );
    assert.deepEqual(got, expected);
    assert.deepEqual(r.codes, [0, 0, 0, 0]);
    assert.equal(r.bytesIn[0], enc.encode(text).length);
    // What went into `uniq` is one line per ERROR.
    const errors = [...expected.values()].reduce((a, b) => a + b, 0);
    assert.equal(
      r.bytesIn[3],
      [...expected].reduce((n, [user, k]) => n + k * (user.length + 1), 0),
    );
    assert.ok(errors > 0);
  });
});

Deno.test("an endless producer into head: the producer gets SIGPIPE, the pipeline succeeds", async () => {
  const r = await run(() =>
    pipeline([["yes", "row"], ["head", "-n", "5"]], { timeoutMs: 30_000 })
  );
  assert.equal(dec.decode(r.output), "row\n".repeat(5));
  assert.deepEqual(r.codes, [-13, 0]);
});

Deno.test("a failing stage fails the pipeline with its stderr, and every child is reaped", async () => {
  let procs: Process[] = [];
  const err = await run(() =>
    pipeline([["yes"], ["sort", "--no-such-option"], ["cat"]], {
      timeoutMs: 30_000,
      onSpawn: (p) => procs = p,
    }).then(() => assert.fail("no error"), (e) => e)
  );
  assert.ok(err instanceof AggregateError, String(err));
  assert.equal(err.errors.length, 1);
  const failed = err.errors[0];
  assert.ok(failed instanceof StageFailed);
  assert.equal(failed.stage, 1);
  assert.equal(failed.code, 2);
  assert.match(failed.stderr, /no-such-option/);
  assert.equal(procs.length, 3);
  for (const p of procs) assert.notEqual(p.returncode, null);
});

Deno.test("a stuck pipeline times out; its children are killed", async () => {
  let procs: Process[] = [];
  await withTempFile("data\n", async (path) => {
    await assert.rejects(
      run(() =>
        pipeline([["cat"], ["sleep", "30"]], {
          input: path,
          timeoutMs: 200,
          onSpawn: (p) => procs = p,
        })
      ),
      TimeoutError,
    );
  });
  assert.deepEqual(procs.map((p) => p.returncode), [0, -9]);
});

Deno.test("cancelling the task that runs a pipeline kills its children", async () => {
  let procs: Process[] = [];
  await run(async () => {
    const t = createTask(() =>
      pipeline([["yes"], ["cat"], ["sleep", "30"]], {
        onSpawn: (p) => procs = p,
      })
    );
    while (procs.length === 0) await sleep(5);
    t.cancel();
    await assert.rejects(t, CancelledError);
    assert.equal(t.cancelled(), true);
  });
  assert.equal(procs.length, 3);
  for (const p of procs) assert.notEqual(p.returncode, null);
  assert.equal(procs[2]!.returncode, -9);
});

Deno.test("communicate() moves megabytes both ways without deadlock; sha256sum agrees with WebCrypto", async () => {
  const data = new Uint8Array(3 * 1024 * 1024 + 17);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const [hex, echoed] = await run(() =>
    Promise.all([digest(data), filter("cat", [], data, 30_000)])
  );
  const want = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", data)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  assert.equal(hex, want);
  assert.deepEqual(echoed, data);
});

Deno.test("filter() reports a failing command with its stderr", async () => {
  await assert.rejects(
    run(() => filter("sh", ["-c", "echo oops >&2; exit 4"], "", 10_000)),
    (e) => e instanceof StageFailed && e.code === 4 && e.stderr === "oops\n",
  );
});

Deno.test("a stage that cannot be spawned: NotFound, and the stages already running are killed", async () => {
  let spawned: Process[] = [];
  await assert.rejects(
    run(() =>
      pipeline([["yes"], ["no-such-program-aio-user2"]], {
        onSpawn: (p) => spawned = p,
      })
    ),
    Deno.errors.NotFound,
  );
  // onSpawn never ran: the failure came while spawning; nothing leaked (the
  // sanitizers would say), which means `yes` was killed and reaped.
  assert.deepEqual(spawned, []);
});

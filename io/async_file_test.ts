import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  waitFor,
} from "../task/mod.ts";
import { AsyncFile, LimitOverrunError } from "./mod.ts";
import { openFile } from "./open_file.ts";

const dec = new TextDecoder();

async function withTempFile(
  content: string,
  fn: (path: string) => Promise<void>,
): Promise<void> {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, content);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("AsyncFile iterates over lines larger than its chunk size", async () => {
  const lines = Array.from(
    { length: 50 },
    (_, i) => `line ${i} ${"x".repeat(i * 7)}\n`,
  );
  await withTempFile(lines.join(""), async (path) => {
    const got = await run(async () => {
      await using f = await openFile(path, { chunkSize: 64 });
      const out: string[] = [];
      for await (const line of f) out.push(dec.decode(line));
      return out;
    });
    assert.deepEqual(got, lines);
  });
});

Deno.test("AsyncFile.readLine() throws LimitOverrunError past its limit", async () => {
  await withTempFile("a".repeat(100) + "\nok\n", async (path) => {
    await run(async () => {
      await using f = await openFile(path, { limit: 16, chunkSize: 200 });
      await assert.rejects(f.readLine(), LimitOverrunError);
      assert.equal(dec.decode(await f.readLine()), "ok\n");
    });
  });
});

Deno.test("AsyncFile.write() after a buffered read writes at the logical position", async () => {
  await withTempFile("0123456789", async (path) => {
    await run(async () => {
      await using f = await openFile(path, { read: true, write: true });
      assert.equal(dec.decode(await f.read(3)), "012"); // read ahead: all 10
      await f.write("abc");
      assert.equal(dec.decode(await f.read()), "6789");
    });
    assert.equal(await Deno.readTextFile(path), "012abc6789");
  });
});

Deno.test("AsyncFile.seek() from the end and from the current position", async () => {
  await withTempFile("hello world", async (path) => {
    const got = await run(async () => {
      await using f = await openFile(path);
      const end = await f.seek(-5, Deno.SeekMode.End);
      const tail = dec.decode(await f.read());
      await f.seek(0);
      await f.read(1);
      const pos = await f.seek(1, Deno.SeekMode.Current);
      return [end, tail, pos, dec.decode(await f.read(3))];
    });
    assert.deepEqual(got, [6, "world", 2, "llo"]);
  });
});

Deno.test("a cancelled AsyncFile.read() keeps its bytes for the next read", async () => {
  await withTempFile("abcdef", async (path) => {
    const got = await run(async () => {
      await using f = await openFile(path);
      const reading = createTask(() => f.read(3));
      await sleep(0); // the task starts reading and waits for the file
      reading.cancel();
      // If the read won the race, its bytes are the first three.
      const first = await reading.then(
        (b) => dec.decode(b),
        (e) => {
          if (e instanceof CancelledError) return "";
          throw e;
        },
      );
      const aborted = await f.read(3, {
        signal: AbortSignal.abort(new Error("pre")),
      }).catch((e) => e.message);
      return [aborted, first + dec.decode(await f.read())];
    });
    assert.deepEqual(got, ["pre", "abcdef"]);
  });
});

Deno.test("a cancelled AsyncFile.write() completes before the next operation", async () => {
  await withTempFile("", async (path) => {
    await run(async () => {
      await using f = await openFile(path, { read: true, write: true });
      const big = "z".repeat(1 << 20);
      const writing = createTask(() => f.write(big));
      await sleep(0); // the task starts writing and waits
      writing.cancel();
      await assert.rejects(writing, CancelledError);
      await f.write("!");
      assert.equal((await f.stat()).size, (1 << 20) + 1);
    });
    const content = await Deno.readTextFile(path);
    assert.equal(content.length, (1 << 20) + 1);
    assert.equal(content.at(-1), "!");
  });
});

Deno.test("AsyncFile.close() is idempotent and later reads throw", async () => {
  await withTempFile("x", async (path) => {
    await run(async () => {
      const f = await openFile(path);
      f.close();
      f.close();
      assert.ok(f.closed);
      await assert.rejects(f.read(), /file is closed/);
      await assert.rejects(f.write("y"), /file is closed/);
    });
  });
});

Deno.test("openFile() of a missing file throws NotFound", async () => {
  await run(async () => {
    await assert.rejects(
      openFile("/nonexistent/aio/file.txt"),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("AsyncFile.seek() refuses an offset that is not an integer, naming it, and keeps the position", async () => {
  await withTempFile("0123456789", async (path) => {
    const got = await run(async () => {
      await using f = await openFile(path);
      await f.read(4);
      for (const offset of [NaN, Infinity, 1.5]) {
        await assert.rejects(
          f.seek(offset),
          new RangeError(
            `Cannot call seek(): offset must be an integer, got ${offset}`,
          ),
        );
      }
      await assert.rejects(
        f.seek("3" as unknown as number),
        /^TypeError: Cannot call seek\(\): offset must be a number, got "3"$/,
      );
      return dec.decode(await f.read(2));
    });
    assert.equal(got, "45");
  });
});

Deno.test("openFile() refuses a chunkSize or limit that is not a positive integer, naming it", async () => {
  await withTempFile("x", async (path) => {
    await run(async () => {
      for (const chunkSize of [0, -1, 1.5, NaN]) {
        await assert.rejects(
          openFile(path, { chunkSize }),
          new RangeError(
            `Cannot call openFile(): chunkSize must be a positive integer, got ${chunkSize}`,
          ),
        );
      }
      await assert.rejects(
        openFile(path, { limit: 0 }),
        /^RangeError: Cannot call openFile\(\): limit must be a positive integer, got 0$/,
      );
    });
  });
});

Deno.test("a read waiting for the file when it is closed rejects: file is closed", async () => {
  await withTempFile("x".repeat(100), async (path) => {
    await run(async () => {
      const f = await openFile(path, { chunkSize: 16 });
      const reading = createTask(() => f.read());
      await sleep(0); // the read waits for its first chunk
      f.close();
      await assert.rejects(
        reading,
        new Error("Cannot finish the read: file is closed"),
      );
    });
  });
});

for (const op of ["write", "seek"] as const) {
  Deno.test(`AsyncFile.${op}() during another task's read waits for the read to end`, async () => {
    const line = "a".repeat(10_000) + "\n";
    await withTempFile(line + "next\n", async (path) => {
      const got = await run(async () => {
        await using f = await openFile(path, {
          read: true,
          write: true,
          chunkSize: 16,
        });
        const reading = createTask(() => f.readLine());
        await sleep(0); // the read waits for its next chunk
        if (op === "write") await f.write("N");
        else await f.seek(0);
        assert.ok(reading.done(), `the read ended before ${op}() did`);
        return [dec.decode(await reading), dec.decode(await f.readLine())];
      });
      // The write lands where the line ended, not in its middle.
      assert.deepEqual(
        got,
        op === "write" ? [line, "ext\n"] : [line, line],
      );
    });
  });
}

Deno.test("a write waiting for another task's read rejects when the file is closed", async () => {
  await withTempFile("a".repeat(100_000) + "\n", async (path) => {
    await run(async () => {
      const f = await openFile(path, {
        read: true,
        write: true,
        chunkSize: 16,
      });
      const reading = createTask(() => f.readLine());
      await sleep(0); // the read waits for its next chunk
      const writing = createTask(() => f.write("N"));
      await sleep(0); // the write waits for the read
      f.close();
      await assert.rejects(reading, /Cannot finish the read: file is closed/);
      await assert.rejects(
        writing,
        new Error("Cannot call write(): file is closed"),
      );
    });
    assert.equal(await Deno.readTextFile(path), "a".repeat(100_000) + "\n");
  });
});

async function withFifo(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const fifo = `${dir}/fifo`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(made.success);
    await fn(fifo);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "AsyncFile.write() to a FIFO goes out beside a read in progress, which keeps its buffer",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withFifo(async (fifo) => {
      const got = await run(async () => {
        await using f = await openFile(fifo, { read: true, write: true });
        await f.write("a\nb");
        const first = dec.decode(await f.readLine()); // "b" is read ahead
        const reader = createTask(() => f.readLine());
        await sleep(0);
        await f.write("\n");
        return [first, dec.decode(await reader)];
      });
      assert.deepEqual(got, ["a\n", "b\n"]);
    }),
});

Deno.test({
  name:
    "new AsyncFile() of a FIFO learns at the first write that it cannot seek, and close() cancels a read in progress",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withFifo(async (fifo) => {
      const got = await run(async () => {
        const f = new AsyncFile(
          await Deno.open(fifo, { read: true, write: true }),
        );
        await f.write("a\nb");
        const first = dec.decode(await f.readLine());
        await assert.rejects(f.seek(0), /Illegal seek|ESPIPE/);
        const reader = createTask(() => f.readLine());
        await sleep(0);
        await f[Symbol.asyncDispose]();
        const error = await reader.then(() => null, (e) => e as Error);
        return [first, error?.name];
      });
      assert.deepEqual(got, ["a\n", "Interrupted"]);
    }),
});

// Final review: a seek on a FIFO went to the handle the pending read holds,
// and waited behind it (Deno runs one operation at a time per handle).
Deno.test({
  name: "AsyncFile.seek() on a FIFO with a read in progress is refused at once",
  ignore: Deno.build.os === "windows",
  fn: () =>
    withFifo(async (fifo) => {
      const got = await run(async () => {
        await using f = await openFile(fifo, { read: true, write: true });
        const reader = createTask(() => f.readLine());
        await sleep(0);
        const seek = await waitFor(f.seek(0), 5_000).then(
          () => "moved",
          (e) => (e as Error).name,
        );
        await f.write("x\n");
        return [seek, dec.decode(await reader)];
      });
      assert.notEqual(got[0], "TimeoutError");
      assert.notEqual(got[0], "moved");
      assert.equal(got[1], "x\n");
    }),
});

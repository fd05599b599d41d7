import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  gather,
  run,
  type Task,
} from "../task/mod.ts";
import { ticks } from "../task/_test_util.ts";
import { copyFile } from "./copy_file.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

Deno.test("copyFile() copies every byte and reports progress per chunk", async () => {
  await withDir(async (dir) => {
    const data = new Uint8Array(300_000).map((_, i) => i % 253);
    await Deno.writeFile(`${dir}/src`, data);
    const progress: [number, number][] = [];
    const copied = await run(() =>
      copyFile(`${dir}/src`, `${dir}/dst`, {
        chunkSize: 100_000,
        onProgress: (done, total) => progress.push([done, total]),
      })
    );
    assert.equal(copied, 300_000);
    assert.deepEqual(progress, [
      [100_000, 300_000],
      [200_000, 300_000],
      [300_000, 300_000],
    ]);
    assert.deepEqual(await Deno.readFile(`${dir}/dst`), data);
  });
});

Deno.test("copyFile() aborted midway rejects with the reason and removes the partial copy", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(1 << 20));
    const stop = new AbortController();
    const error = await run(() =>
      copyFile(`${dir}/src`, `${dir}/dst`, {
        chunkSize: 64 * 1024,
        signal: stop.signal,
        onProgress: (done) => {
          if (done >= 128 * 1024) stop.abort(new Error("user stopped"));
        },
      }).catch((e) => e)
    );
    assert.equal(error.message, "user stopped");
    assert.equal(await exists(`${dir}/dst`), false);
  });
});

Deno.test("copyFile() in a cancelled task removes the partial copy", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(1 << 20));
    await run(async () => {
      const copying: Task<number> = createTask(() =>
        copyFile(`${dir}/src`, `${dir}/dst`, {
          chunkSize: 64 * 1024,
          onProgress: (done) => {
            if (done >= 128 * 1024) copying.cancel();
          },
        })
      );
      await assert.rejects(copying, CancelledError);
    });
    assert.equal(await exists(`${dir}/dst`), false);
  });
});

Deno.test("copyFile() with a pre-aborted signal does not touch the destination", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(10));
    await run(async () => {
      await assert.rejects(
        copyFile(`${dir}/src`, `${dir}/dst`, {
          signal: AbortSignal.abort(new Error("pre")),
        }),
        /pre/,
      );
    });
    assert.equal(await exists(`${dir}/dst`), false);
  });
});

Deno.test("copyFile() held by a gather() cancelled midway stops and removes the partial copy", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(1 << 20));
    const progress: number[] = [];
    await run(async () => {
      const all = gather(
        copyFile(`${dir}/src`, `${dir}/dst`, {
          chunkSize: 64 * 1024,
          onProgress: (done) => {
            progress.push(done);
            if (done === 64 * 1024) all.cancel();
          },
        }),
      );
      await assert.rejects(all, CancelledError);
    });
    assert.deepEqual(progress, [64 * 1024]);
    assert.equal(await exists(`${dir}/dst`), false);
  });
});

Deno.test("copyFile() cancelled while it opens its destination waits for that open, then removes the file it created", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(10));
    const to = `${dir}/dst`;
    const realOpen = Deno.open;
    const reached = Promise.withResolvers<void>();
    const gate = Promise.withResolvers<void>();
    let opened: Promise<unknown> = Promise.resolve();
    try {
      const got = await run(async () => {
        // The destination's open is held until the test lets it go: Deno
        // cannot abort an open, which creates the file when it ends.
        Deno.open = (path, options) => {
          if (path !== to) return realOpen(path, options);
          reached.resolve();
          const opening = gate.promise.then(() => realOpen(path, options));
          opened = opening.then(() => {}, () => {});
          return opening;
        };
        const copying = copyFile(`${dir}/src`, to);
        const all = gather(copying);
        let ended = false;
        copying.then(() => {}, () => (ended = true));
        await reached.promise;
        all.cancel();
        await ticks();
        const endedBeforeOpen = ended;
        gate.resolve();
        await assert.rejects(all, CancelledError);
        const outcome = await copying.then(String, (e) => e.name);
        await opened;
        return [endedBeforeOpen, outcome, await exists(to)];
      });
      // The copy waited for its open, then removed what it created.
      assert.deepEqual(got, [false, "CancelledError", false]);
    } finally {
      Deno.open = realOpen;
      gate.resolve();
      await opened;
    }
  });
});

Deno.test("copyFile() onto a directory fails and leaves the directory alone", async () => {
  await withDir(async (dir) => {
    await Deno.writeFile(`${dir}/src`, new Uint8Array(10));
    await Deno.mkdir(`${dir}/sub`);
    await run(async () => {
      await assert.rejects(copyFile(`${dir}/src`, `${dir}/sub`), Error);
    });
    assert.equal((await Deno.stat(`${dir}/sub`)).isDirectory, true);
  });
});

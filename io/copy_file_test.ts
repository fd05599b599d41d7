import assert from "node:assert/strict";
import { CancelledError, createTask, run, type Task } from "../task/mod.ts";
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

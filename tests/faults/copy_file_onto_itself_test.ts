/**
 * `copyFile(a, a)`, or onto a hard link or a symlink of `a`, opened the
 * destination with `truncate: true` before reading: the source was emptied
 * and the call reported 0 bytes copied (attack round 27). `Deno.copyFile`
 * and Python's `shutil.copyfile` refuse ("same file"); so does it now.
 */
import assert from "node:assert/strict";
import { copyFile } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

Deno.test("copyFile() onto the same file refuses and keeps the source", async () => {
  const dir = await Deno.makeTempDir();
  const a = `${dir}/a`;
  await Deno.writeFile(a, new Uint8Array(5000).fill(7));
  await Deno.link(a, `${dir}/hard`);
  await Deno.symlink(a, `${dir}/soft`);
  try {
    for (
      const to of [a, `${dir}/hard`, `${dir}/soft`, new URL(`file://${a}`)]
    ) {
      await assert.rejects(
        run(() => copyFile(a, to)),
        (e: Error) => e instanceof TypeError && /same file/.test(e.message),
      );
      assert.equal((await Deno.stat(a)).size, 5000, `copyFile(a, ${to})`);
    }
    // Another file is copied as before.
    assert.equal(await run(() => copyFile(a, `${dir}/b`)), 5000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

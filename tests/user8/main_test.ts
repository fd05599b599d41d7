/**
 * The program end to end: Ctrl-C (SIGINT) mid-crawl shuts it down cleanly.
 * The child is run with aio's own subprocess API.
 */

import assert from "node:assert/strict";
import { createSubprocessExec } from "@aio/asyncio/io";
import { run, timeout } from "@aio/asyncio/task";

Deno.test("main: SIGINT mid-crawl runs every finally and exits 0", async () => {
  const out = await run(() =>
    timeout(20_000, async () => {
      await using proc = await createSubprocessExec(Deno.execPath(), [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        new URL("./main.ts", import.meta.url).pathname,
      ], { stdout: "piped", stderr: "piped" });
      const lines: string[] = [];
      // Wait for the first page, then interrupt.
      for await (const line of proc.stdout!) {
        lines.push(new TextDecoder().decode(line).trim());
        if (lines.at(-1)!.startsWith("page ")) break;
      }
      proc.kill("SIGINT");
      const [rest, err] = await proc.communicate();
      lines.push(
        ...new TextDecoder().decode(rest!).split("\n").filter(Boolean),
      );
      return {
        lines,
        code: proc.returncode,
        err: new TextDecoder().decode(err!),
      };
    })
  );
  assert.equal(out.code, 0, out.err);
  assert.equal(out.lines[0], "origin started");
  assert.deepEqual(out.lines.slice(-3), [
    "closing origin",
    "origin closed",
    "interrupted",
  ]);
});

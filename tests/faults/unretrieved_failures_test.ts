/**
 * Failed tasks nobody awaits are reported once, when they can no longer be
 * retrieved, and are not kept alive for it: a server that spawns
 * fire-and-forget tasks does not grow without bound.
 */

import assert from "node:assert/strict";

const soak = Deno.env.get("AIO_SOAK") === "1";

Deno.test("200,000 failing fire-and-forget tasks are each reported once, in bounded memory", async () => {
  const n = soak ? 2_000_000 : 200_000;
  const fixture = new URL("./testdata/fire_and_forget.ts", import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--v8-flags=--expose-gc",
      fixture.pathname,
      `${n}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const result = JSON.parse(new TextDecoder().decode(stdout));
  if (soak) console.log(result);
  assert.equal(result.reports, n);
  assert.equal(result.other, 0);
  assert.ok(
    result.growth < 10 * 1024 * 1024,
    `live heap grew by ${(result.growth / 1048576).toFixed(1)} MiB`,
  );
});

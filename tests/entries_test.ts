/**
 * Each entry works on its own: a program that imports only that entry runs,
 * in a fresh process, with no other entry loaded first.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** Entry, the output its program prints, and the permissions it needs. */
const PROGRAMS: [string, unknown, string[]][] = [
  ["loop", ["soon", "timer", 20], []],
  // A Worker reads its own script.
  ["executor", [42], ["--allow-read"]],
  ["task", ["child", true], []],
  ["sync", [1, 2, false, true], []],
  ["io", ["line\n", "rest"], []],
];

for (const [entry, expected, permissions] of PROGRAMS) {
  Deno.test(`a program importing only @aio/asyncio/${entry} runs`, async () => {
    const program = new URL(
      `tests/testdata/entries/${entry}_alone.ts`,
      ROOT,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", ...permissions, program.pathname],
      cwd: ROOT.pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.deepEqual(
      JSON.parse(new TextDecoder().decode(stdout)),
      expected,
    );
  });
}

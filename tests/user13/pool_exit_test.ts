/**
 * User port 13: a WorkerPool used directly and never shut down keeps the
 * process alive through its idle Worker; its docs did not say so.
 *
 * @module
 */
import assert from "node:assert/strict";

function start(mode: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      new URL("./_pool_left_open.ts", import.meta.url).pathname,
      mode,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

async function firstLine(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  reader.releaseLock();
  return text.trim();
}

Deno.test("a pool shut down lets the process exit", async () => {
  const child = start("shutdown");
  assert.equal(await firstLine(child), "1");
  assert.equal((await child.status).code, 0);
});

Deno.test("a pool left open keeps the process alive after its last job", async () => {
  const child = start("leave");
  assert.equal(await firstLine(child), "1");
  // The job is done and the program's code has ended; 1.5 s later the
  // process still runs (the other test exits within milliseconds of here).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exited = await Promise.race([
    child.status.then(() => true),
    new Promise<false>((r) => timer = setTimeout(() => r(false), 1_500)),
  ]);
  clearTimeout(timer);
  if (!exited) child.kill("SIGKILL");
  await child.status;
  await child.stdout.cancel().catch(() => {});
  assert.equal(exited, false);
});

import assert from "node:assert/strict";

const decoder = new TextDecoder();

function exampleUrl(file: string): string {
  return new URL(`../examples/${file}`, import.meta.url).pathname;
}

/** Runs an example with the given permissions and returns its stdout. */
async function runExample(
  file: string,
  permissions: string[],
  args: string[] = [],
): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...permissions, exampleUrl(file), ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, decoder.decode(out.stderr));
  return decoder.decode(out.stdout);
}

Deno.test("examples/echo_client.ts starts its own server and checks five echoes", async () => {
  const lines = (await runExample("echo_client.ts", ["--allow-net=127.0.0.1"]))
    .trim().split("\n");
  assert.match(lines[0]!, /^started an echo server on 127\.0\.0\.1:\d+$/);
  assert.deepEqual(lines.slice(1), [
    "echoed: message 1",
    "echoed: message 2",
    "echoed: message 3",
    "echoed: message 4",
    "echoed: message 5",
    "ok: 5 lines echoed",
  ]);
});

Deno.test("examples/echo_server.ts serves echo_client.ts, then stops by itself", async () => {
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      exampleUrl("echo_server.ts"),
      "--port",
      "0",
      "--clients",
      "1",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) break;
    first += value;
  }
  const port = first.match(/listening on 127\.0\.0\.1:(\d+)/)?.[1];
  assert.ok(port !== undefined, `unexpected first output: ${first}`);
  const client = await runExample("echo_client.ts", ["--allow-net=127.0.0.1"], [
    port,
  ]);
  assert.match(client, /ok: 5 lines echoed/);
  let rest = first;
  for (;;) {
    const { value, done } = await lines.read();
    if (done) break;
    rest += value;
  }
  const status = await server.status;
  await server.stderr.cancel();
  assert.equal(status.code, 0);
  assert.match(rest, /served 1 clients, bye/);
});

Deno.test("examples/chat_server.ts demo: three clients chat and the room closes", async () => {
  const lines = (await runExample("chat_server.ts", ["--allow-net=127.0.0.1"]))
    .trim().split("\n");
  assert.match(lines[0]!, /^chat room on 127\.0\.0\.1:\d+$/);
  assert.deepEqual(lines.slice(1), [
    "[alice] name?",
    "[alice] welcome alice, 1 here",
    "[bob] name?",
    "[bob] welcome bob, 2 here",
    "[alice] * bob joined",
    "[carol] name?",
    "[carol] welcome carol, 3 here",
    "[alice] * carol joined",
    "[bob] * carol joined",
    "[bob] alice: hi all",
    "[carol] alice: hi all",
    "[alice] bob: hello alice",
    "[carol] bob: hello alice",
    "[alice] carol: bye!",
    "[bob] carol: bye!",
    "[alice] * carol left",
    "[bob] * carol left",
    "[alice] * bob left",
    "demo done",
  ]);
});

Deno.test("examples/subprocess.ts streams a child's lines and kills a silent one", async () => {
  const lines = (await runExample("subprocess.ts", ["--allow-run=/bin/sh"]))
    .trim().split("\n");
  assert.deepEqual(lines, [
    "child says: tick 1",
    "child says: tick 2",
    "child says: tick 3",
    "exit code 0",
    "child says: about to hang",
    "no output within 300 ms: killing the child",
    "exit code -9",
  ]);
});

import assert from "node:assert/strict";

async function runExample(file: string): Promise<string> {
  const url = new URL(`../examples/${file}`, import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", url.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("examples/call_soon.ts prints exactly the five lines of the classic demo", async () => {
  assert.equal(
    await runExample("call_soon.ts"),
    [
      "starting event loop",
      "Event handler called",
      "Event handler called",
      "stopping the loop",
      "closing event loop",
      "",
    ].join("\n"),
  );
});

Deno.test("examples/call_later.ts fires its timers in deadline order", async () => {
  const lines = (await runExample("call_later.ts")).trim().split("\n");
  assert.equal(lines.length, 5);
  assert.match(lines[1]!, /^callSoon fired first$/);
  assert.match(lines[2]!, /^callLater\(100\) fired/);
  assert.match(lines[3]!, /^callAt\(time\(\) \+ 200\) fired/);
  assert.match(lines[4]!, /^callLater\(300\) fired/);
});

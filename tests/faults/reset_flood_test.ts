import assert from "node:assert/strict";
import { findPython } from "../../io/_test_util.ts";
import { denoScript, figure, size, spawn } from "./_util.ts";

const RESETS = size(200, 20_000);
const python = await findPython();

/** Connects `n` times to 127.0.0.1:port, resetting each (SO_LINGER 0). */
const RESETTER = `
import socket, struct, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
`;

/** Floods a server with resets, then checks it still echoes. */
async function flood(debug: boolean): Promise<string> {
  const server = denoScript(
    ["--allow-net=127.0.0.1"],
    "_reset_server.ts",
    debug ? ["debug"] : [],
  );
  await using child = spawn(server.cmd, server.args);
  const port = Number(await child.line());
  const resets = await new Deno.Command(python!, {
    args: ["-c", RESETTER, String(port), String(RESETS)],
  }).output();
  assert.ok(resets.success);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode("alive\n"));
  const buf = new Uint8Array(6);
  let got = 0;
  while (got < 6) {
    const n = await conn.read(buf.subarray(got));
    if (n === null) break;
    got += n;
  }
  conn.close();
  assert.equal(new TextDecoder().decode(buf), "alive\n");
  await child.closeStdin();
  const { code, stderr } = await child.exit();
  assert.equal(code, 0, stderr);
  return stderr;
}

Deno.test(
  `${RESETS} peers that reset print nothing to stderr, and the server still serves`,
  {
    ignore: python === null,
  },
  async () => {
    const stderr = await flood(false);
    assert.equal(stderr, "");
    figure("reset flood", { resets: RESETS, stderrBytes: stderr.length });
  },
);

Deno.test(
  `${RESETS} peers that reset are reported at most once each in debug mode`,
  {
    ignore: python === null,
  },
  async () => {
    const stderr = await flood(true);
    const skipped =
      stderr.split("\n").filter((l) =>
        l.startsWith("Skipped a connection that failed before accept")
      ).length;
    assert.ok(skipped <= RESETS, `${skipped} reports`);
    figure("reset flood, debug", { resets: RESETS, reports: skipped });
  },
);

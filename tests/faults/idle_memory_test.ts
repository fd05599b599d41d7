import assert from "node:assert/strict";
import { findPython } from "../../bench/_python.ts";
import { figure, size, SOAK } from "./_util.ts";

const N = size(500, 5_000);
/**
 * Bytes per idle connection not to exceed: 16 KiB (about 7 KB measured at
 * 500 connections, where the fixed costs weigh more; ~205 KB before
 * issue 11).
 */
const BOUND = 16 * 1024;

const bench = new URL("../../bench/", import.meta.url);

async function measure(
  cmd: string,
  args: string[],
  cwd: URL,
): Promise<{ bytes: number; rss: number }> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(text.split("\n").at(-1)!);
}

Deno.test(`${N} idle connections cost under ${BOUND} bytes each`, async () => {
  const aio = await measure(Deno.execPath(), [
    "run",
    "--quiet",
    "--allow-net=127.0.0.1",
    "--allow-run",
    "--allow-read",
    "--v8-flags=--expose-gc",
    "idle.ts",
    "aio",
    `n=${N}`,
  ], bench);
  assert.ok(aio.bytes < BOUND, `${aio.bytes} bytes per idle connection`);
  figure("idle connections, aio", { n: N, ...aio });
  if (SOAK) {
    // Side by side with CPython asyncio, the one bench:compare uses.
    const python = await findPython();
    if (python !== null) {
      const asyncio = await measure(
        python.path,
        ["idle.py", `n=${N}`],
        new URL("py/", bench),
      );
      figure(`idle connections, asyncio ${python.version}`, {
        n: N,
        ...asyncio,
      });
    }
  }
});

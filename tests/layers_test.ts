/**
 * The library's layers: imports point down only (io → sync → task →
 * executor → loop), and a `_`-prefixed file is private to its folder.
 * Tests, benchmarks and test data may use any layer.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
/** Each layer and the layers it may import. */
const BELOW: Record<string, string[]> = {
  loop: [],
  executor: ["loop"],
  task: ["executor", "loop"],
  sync: ["task", "executor", "loop"],
  io: ["sync", "task", "executor", "loop"],
};

function isLibraryFile(name: string): boolean {
  return /\.(ts|js)$/.test(name) && !/_(test|bench)\.ts$/.test(name) &&
    name !== "_test_util.ts";
}

async function* libraryFiles(): AsyncGenerator<[string, string]> {
  for (const layer of Object.keys(BELOW)) {
    for await (const entry of Deno.readDir(new URL(`${layer}/`, ROOT))) {
      if (entry.isFile && isLibraryFile(entry.name)) {
        yield [layer, entry.name];
      }
    }
  }
}

function importsOf(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/^\s*(?:import|export)\b[^"']*?["']([^"']+)["']/gm),
  ];
  return specifiers.map((m) => m[1]!).filter((s) => s.startsWith("."));
}

Deno.test("library files import only their own layer and the layers below", async () => {
  const wrong: string[] = [];
  for await (const [layer, name] of libraryFiles()) {
    const url = new URL(`${layer}/${name}`, ROOT);
    for (const specifier of importsOf(await Deno.readTextFile(url))) {
      const target = new URL(specifier, url).href.slice(ROOT.href.length);
      const [targetLayer, file] = target.split("/");
      if (file === undefined) continue;
      if (targetLayer !== layer && !BELOW[layer]!.includes(targetLayer!)) {
        wrong.push(`${layer}/${name} imports ${target}`);
      }
      if (targetLayer !== layer && file.startsWith("_")) {
        wrong.push(`${layer}/${name} imports the private ${target}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

/**
 * Attack round 25: a task's `name` option is neither checked nor converted.
 *
 * What I did: `createTask(fn, { name })` with name 42, Symbol("s"), and an
 * object whose toString() throws; read `task.name` (typed `string`).
 *
 * What happened (measured): name 42 reads back as "Task-42" — the spelling
 * of the auto-generated name of the 42nd task (task/task.ts:224 stores the
 * option in the same field as the counter, and :253 turns any number into
 * `Task-N`), so two different tasks can both report as Task(Task-42, ...);
 * a symbol or an object comes back as it is from the `string`-typed getter,
 * so `"task " + t.name` throws ("Cannot convert a Symbol value to a string",
 * "toString boom") in user logging code.
 *
 * Expected: asyncio's `create_task(coro, name=42)` / `set_name(42)` store
 * `str(name)`: get_name() is "42", always a str. Either convert as asyncio
 * does, or refuse a non-string with the library's own TypeError naming the
 * value (the 4985775 standard) — never report one task under another's name.
 *
 * Fixed: a name that is not a string is turned into one, as asyncio's
 * `str(name)`: `42` is named `"42"`.
 */

import assert from "node:assert/strict";
import { createTask, run } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";

Deno.test("a task named 42 is not reported as Task-42", async () => {
  const name = await run(async () => {
    const t = createTask(async () => {}, { name: 42 as unknown as string });
    await t;
    return t.name;
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.equal(name, "42");
});

Deno.test("a task named with a symbol or an object whose toString() throws gets a string name", async () => {
  const names = await run(async () => {
    const hostile = {
      toString(): string {
        throw new Error("toString boom");
      },
    };
    const out: string[] = [];
    for (const value of [Symbol("s"), hostile]) {
      const t = createTask(async () => {}, {
        name: value as unknown as string,
      });
      await t;
      out.push(`task ${t.name}`); // user logging code: must not throw
    }
    return out;
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(names, [
    "task Symbol(s)",
    "task { toString: [Function: toString] }",
  ]);
});

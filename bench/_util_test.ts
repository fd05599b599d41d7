import assert from "node:assert/strict";
import { parseArgs, quantile, randomDelays } from "./_util.ts";

Deno.test("randomDelays() gives the sequence bench/py/_util.py gives", () => {
  // From `python3 -c "from _util import random_delays; print(random_delays(5))"`.
  assert.deepEqual(
    Array.from(randomDelays(5)),
    [60.27, 22.64, 67.53, 48.06, 57.35],
  );
});

Deno.test("randomDelays() stays within [0, 100) ms", () => {
  const delays = randomDelays(10_000);
  assert.ok(delays.every((d) => d >= 0 && d < 100));
  assert.ok(new Set(delays).size > 5_000);
});

Deno.test("quantile() picks the nearest rank, as the Python side does", () => {
  assert.equal(quantile(Float64Array.from([5, 1, 4, 2, 3]), 0.5), 3);
  assert.equal(quantile(Float64Array.from([5, 1, 4, 2, 3]), 0.99), 5);
  assert.equal(quantile(Float64Array.from([1, 2, 3, 4]), 0.5), 2);
});

Deno.test("parseArgs() reads the implementation and key=value parameters", () => {
  assert.deepEqual(parseArgs(["aio", "n=10", "rounds=3"]), {
    impl: "aio",
    params: { n: 10, rounds: 3 },
  });
  assert.throws(() => parseArgs([]), TypeError);
  assert.throws(() => parseArgs(["aio", "n"]), /expected key=value/);
});

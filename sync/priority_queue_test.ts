import assert from "node:assert/strict";
import { createTask } from "../task/mod.ts";
import { PriorityQueue } from "./priority_queue.ts";
import { ticks, vrun } from "../task/_test_util.ts";

Deno.test("PriorityQueue returns the smallest number first", () => {
  const q = new PriorityQueue<number>();
  for (const n of [5, 1, 4, 2, 3, 0, 9, 7, 8, 6]) q.putNowait(n);
  const out: number[] = [];
  while (!q.empty()) out.push(q.getNowait());
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("PriorityQueue orders [priority, data] arrays like Python tuples", () => {
  const q = new PriorityQueue<[number, string]>();
  q.putNowait([2, "b"]);
  q.putNowait([1, "z"]);
  q.putNowait([2, "a"]);
  q.putNowait([1, "y"]);
  const out: string[] = [];
  while (!q.empty()) out.push(q.getNowait()[1]);
  assert.deepEqual(out, ["y", "z", "a", "b"]);
});

Deno.test("PriorityQueue is stable: equal priorities come out in insertion order", () => {
  const q = new PriorityQueue<{ p: number; id: number }>(
    0,
    (a, b) => a.p - b.p,
  );
  const ids: number[][] = [[], [], []];
  for (let id = 0; id < 60; id++) {
    const p = (id * 7) % 3;
    ids[p]!.push(id);
    q.putNowait({ p, id });
  }
  const out: number[] = [];
  while (!q.empty()) out.push(q.getNowait().id);
  assert.deepEqual(out, [...ids[0]!, ...ids[1]!, ...ids[2]!]);
});

Deno.test("PriorityQueue with a compare function orders by it", () => {
  const q = new PriorityQueue<string>(0, (a, b) => b.length - a.length);
  q.putNowait("aa");
  q.putNowait("a");
  q.putNowait("aaa");
  assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [
    "aaa",
    "aa",
    "a",
  ]);
  assert.throws(
    () => new PriorityQueue<string>(0, "no" as unknown as () => number),
    TypeError,
  );
});

Deno.test("PriorityQueue bounded: a waiting putter gets in when an item is taken", async () => {
  await vrun(async () => {
    const q = new PriorityQueue<number>(2);
    q.putNowait(5);
    q.putNowait(3);
    const t = createTask(() => q.put(1));
    await ticks();
    assert.equal(q.getNowait(), 3);
    await t;
    assert.equal(q.getNowait(), 1);
    assert.equal(q.getNowait(), 5);
  });
});

Deno.test("PriorityQueue default order: shorter arrays first on a tie, strings by code unit", () => {
  const q = new PriorityQueue<(number | string)[]>();
  q.putNowait([1, "b"]);
  q.putNowait([1]);
  q.putNowait([1, "a"]);
  q.putNowait([0, "z", 9]);
  assert.deepEqual(
    [q.getNowait(), q.getNowait(), q.getNowait(), q.getNowait()],
    [[0, "z", 9], [1], [1, "a"], [1, "b"]],
  );
});

Deno.test("PriorityQueue.shutdown(true) drops every item", () => {
  const q = new PriorityQueue<number>();
  q.putNowait(2);
  q.putNowait(1);
  q.shutdown(true);
  assert.equal(q.qsize(), 0);
  q.shutdown(true);
  assert.equal(q.isShutdown(), true);
});

Deno.test("PriorityQueue hands an item to a waiting getter at once", async () => {
  await vrun(async () => {
    const q = new PriorityQueue<number>();
    const t = createTask(() => q.get());
    await ticks();
    q.putNowait(9);
    q.putNowait(1);
    assert.equal(await t, 9, "the getter was waiting when 9 came");
    assert.equal(q.getNowait(), 1);
  });
});

Deno.test("PriorityQueue's default order refuses what Python's < refuses, and leaves the queue as it was", () => {
  const refused: [unknown, unknown][] = [
    [{ a: 1 }, "x"],
    ["10", 9],
    [[1, { job: "a" }], [1, "b"]],
    [null, 1],
    [undefined, 1],
    ["1", 1],
    [new Date(0), 0],
  ];
  for (const [first, second] of refused) {
    const q = new PriorityQueue<unknown>();
    q.putNowait(first);
    assert.throws(
      () => q.putNowait(second),
      (e) =>
        e instanceof TypeError &&
        /Cannot order .* pass a compare/.test(e.message),
      `${String(first)} then ${String(second)}`,
    );
    assert.equal(q.qsize(), 1);
    assert.equal(q.getNowait(), first);
  }
});

Deno.test("PriorityQueue's default order: numbers with bigints and booleans, dates, objects tie in the order they came", () => {
  const q = new PriorityQueue<unknown>();
  for (const v of [3n, 1, true, 2.5, false]) q.putNowait(v);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => q.getNowait()), [
    false,
    1,
    true,
    2.5,
    3n,
  ]);
  const dates = new PriorityQueue<Date>();
  dates.putNowait(new Date(20));
  dates.putNowait(new Date(10));
  assert.equal(dates.getNowait().getTime(), 10);
  const jobs = new PriorityQueue<[number, { job: string }]>();
  for (const [p, job] of [[1, "b"], [0, "c"], [1, "a"], [0, "d"]] as const) {
    jobs.putNowait([p, { job }]);
  }
  assert.deepEqual(
    [1, 2, 3, 4].map(() => jobs.getNowait()[1].job),
    ["c", "d", "b", "a"],
  );
});

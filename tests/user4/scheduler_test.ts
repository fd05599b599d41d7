import assert from "node:assert/strict";
import {
  Event,
  getRunningLoop,
  openConnection,
  run,
  sleep,
  VirtualClock,
  waitFor,
} from "../../mod.ts";
import { control, type RunReport, Scheduler } from "./scheduler.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const now = () => getRunningLoop().time();

function byId(reports: RunReport[], id: string): RunReport[] {
  return reports.filter((r) => r.id === id);
}

Deno.test("scheduler: twelve virtual hours of three jobs run on their grid, nothing lost", async () => {
  const started: Array<[string, number]> = [];
  const reports = await run(async () => {
    const s = new Scheduler({ workers: 1 });
    const job = (
      id: string,
      everyMs: number,
      offsetMs: number,
      priority: number,
    ) =>
      s.add({
        id,
        everyMs,
        offsetMs,
        priority,
        run: async () => {
          started.push([id, now()]);
          await sleep(MIN); // each run takes a minute
        },
      });
    job("metrics", 15 * MIN, 0, 5);
    job("backup", HOUR, 30 * MIN, 1);
    job("report", 6 * HOUR, 0, 0);
    s.start();
    await sleep(12 * HOUR - 1);
    await s.stop();
    return s.reports;
  }, { clock: new VirtualClock() });

  // Due times: metrics at every quarter (48), backup at every half past (12),
  // report at 6h only (12h is excluded): one report per occurrence.
  assert.equal(byId(reports, "metrics").length, 47); // 15m .. 11h45m
  assert.equal(byId(reports, "backup").length, 12);
  assert.equal(byId(reports, "report").length, 1);
  assert.ok(reports.every((r) => r.outcome === "ok"), "every run ok");
  // At 6h, report (priority 0) and metrics (5) are due together: one worker
  // takes report first, metrics a minute later.
  const at6h = started.filter(([, t]) =>
    t >= 6 * HOUR && t < 6 * HOUR + 5 * MIN
  );
  assert.deepEqual(at6h, [["report", 6 * HOUR], ["metrics", 6 * HOUR + MIN]]);
  // At 30 past, backup is due alone and starts on time.
  assert.deepEqual(
    started.filter(([id]) => id === "backup").slice(0, 3).map(([, t]) => t),
    [30 * MIN, 90 * MIN, 150 * MIN],
  );
});

Deno.test("scheduler: an occurrence due while the previous run still runs is skipped", async () => {
  const reports = await run(async () => {
    const s = new Scheduler({ workers: 3 });
    s.add({
      id: "slow",
      everyMs: 10 * MIN,
      timeoutMs: HOUR,
      run: () => sleep(25 * MIN),
    });
    s.start();
    await s.untilReports(6);
    await s.stop();
    return s.reports;
  }, { clock: new VirtualClock() });
  assert.deepEqual(
    reports.slice(0, 6).map((r) => [r.dueAt / MIN, r.outcome]),
    [[20, "skipped"], [30, "skipped"], [10, "ok"], [50, "skipped"], [
      60,
      "skipped",
    ], [40, "ok"]],
  );
});

Deno.test("scheduler: attempts time out, are retried with exponential backoff plus jitter, then reported", async () => {
  const finallyAt: number[] = [];
  const report = await run(async () => {
    const s = new Scheduler({ workers: 1, random: () => 0.5 });
    s.add({
      id: "stuck",
      everyMs: 24 * HOUR,
      timeoutMs: MIN,
      retries: 2,
      backoffMs: 30_000,
      run: async (signal) => {
        try {
          await sleep(HOUR, { signal }); // never finishes within a minute
        } finally {
          finallyAt.push(now());
        }
      },
    });
    s.start();
    const [r] = await s.untilReports(1);
    await s.stop();
    return r!;
  }, { clock: new VirtualClock() });
  const t0 = 24 * HOUR;
  // attempt 1 at t0, times out at +1m; retry after 30s*1 + 15s jitter;
  // attempt 2 times out a minute later; retry after 30s*2 + 15s.
  const a2 = t0 + MIN + 45_000;
  const a3 = a2 + MIN + 75_000;
  assert.deepEqual(report.starts, [t0, a2, a3]);
  assert.equal(report.outcome, "timeout");
  assert.equal(report.endedAt, a3 + MIN);
  assert.deepEqual(finallyAt, [t0 + MIN, a2 + MIN, a3 + MIN]);
});

Deno.test("scheduler: a job that fails twice then succeeds reports ok after three attempts", async () => {
  const report = await run(async () => {
    const s = new Scheduler({ workers: 2, random: () => 0 });
    s.add({
      id: "flaky",
      everyMs: HOUR,
      retries: 3,
      backoffMs: 10_000,
      run: async (_signal, { attempt }) => {
        await sleep(1_000);
        if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
      },
    });
    s.start();
    const [r] = await s.untilReports(1);
    await s.stop();
    return r!;
  }, { clock: new VirtualClock() });
  assert.equal(report.outcome, "ok");
  assert.deepEqual(report.starts, [
    HOUR,
    HOUR + 11_000,
    HOUR + 11_000 + 21_000,
  ]);
});

Deno.test("scheduler: cancelling a running job by id stops it at once and for good", async () => {
  const log: string[] = [];
  const reports = await run(async () => {
    const s = new Scheduler({ workers: 2 });
    s.add({
      id: "etl",
      everyMs: HOUR,
      timeoutMs: 3 * HOUR,
      run: async () => {
        log.push(`start ${now() / MIN}`);
        try {
          await sleep(2 * HOUR);
          log.push("finished");
        } finally {
          log.push(`finally ${now() / MIN}`);
        }
      },
    });
    s.add({ id: "beat", everyMs: 30 * MIN, run: async () => {} });
    s.start();
    await sleep(HOUR + 30 * MIN);
    assert.equal(s.cancel("etl"), "running");
    assert.equal(s.cancel("etl"), undefined);
    await sleep(5 * HOUR - 1);
    await s.stop();
    return s.reports;
  }, { clock: new VirtualClock() });
  assert.deepEqual(log, ["start 60", "finally 90"]);
  const etl = byId(reports, "etl");
  assert.deepEqual(etl.map((r) => [r.outcome, r.endedAt / MIN]), [[
    "cancelled",
    90,
  ]]);
  // The other job kept its grid: 30m .. 6h, one report each.
  assert.equal(byId(reports, "beat").length, 12);
});

Deno.test("scheduler: a job cancelled while it waits for a retry, or while queued, still gets its one report", async () => {
  const reports = await run(async () => {
    const s = new Scheduler({ workers: 1, random: () => 0 });
    s.add({
      id: "failing",
      everyMs: HOUR,
      retries: 5,
      backoffMs: 10 * MIN,
      run: async () => {
        throw new Error("nope");
      },
    });
    // Holds the only worker from 2h to 2h30, so "queued" waits in line.
    s.add({
      id: "hog",
      everyMs: 2 * HOUR,
      priority: 0,
      timeoutMs: HOUR,
      run: () => sleep(30 * MIN),
    });
    s.add({
      id: "queued",
      everyMs: 2 * HOUR,
      priority: 1,
      run: async () => {},
    });
    s.start();
    await sleep(HOUR + 5 * MIN); // failing: attempt 1 failed at 1h, retry due 1h10
    assert.equal(s.cancel("failing"), "scheduled");
    await sleep(HOUR); // 2h05: hog runs, queued waits in the queue
    assert.equal(s.queued, 1);
    assert.equal(s.cancel("queued"), "scheduled");
    await s.untilReports(3);
    await s.stop();
    return s.reports;
  }, { clock: new VirtualClock() });
  assert.deepEqual(
    reports.map((r) => [r.id, r.outcome, r.starts.length, r.endedAt / MIN]),
    [
      ["failing", "cancelled", 1, 65],
      ["hog", "ok", 1, 150],
      ["queued", "cancelled", 0, 150],
    ],
  );
});

Deno.test("scheduler: control socket lists, runs and cancels jobs by id; stop closes everything", async () => {
  const started = new Event();
  const cleanedUp = new Event();
  await run(async () => {
    const s = new Scheduler({ workers: 2 });
    s.add({
      id: "hang",
      everyMs: 24 * HOUR,
      timeoutMs: 24 * HOUR,
      run: async (signal) => {
        started.set();
        try {
          // A native wait that settles only when the job is aborted.
          await new Promise((_, reject) =>
            signal.addEventListener("abort", () => reject(signal.reason))
          );
        } finally {
          cleanedUp.set();
        }
      },
    });
    s.add({ id: "idle", everyMs: 24 * HOUR, run: async () => {} });
    s.start();
    const port = await s.listen();

    assert.deepEqual(await control(port, "RUN hang", "RUN hang", "RUN nope"), [
      "OK hang queued",
      "ERR cannot run hang",
      "ERR cannot run nope",
    ]);
    await waitFor(started.wait(), 5_000);
    const list = await control(port, "LIST");
    assert.equal(list.length, 3);
    assert.match(list[0]!, /^hang next=\d+(\.\d+)? running=true runs=0$/);
    assert.match(list[1]!, /^idle next=\d+(\.\d+)? running=false runs=0$/);
    assert.equal(list[2], ".");

    assert.deepEqual(
      await control(port, "CANCEL hang", "CANCEL hang", "CANCEL idle"),
      [
        "OK hang running",
        "ERR no such job hang",
        "OK idle scheduled",
      ],
    );
    await waitFor(cleanedUp.wait(), 5_000);
    await waitFor(s.untilReports(1), 5_000);
    assert.deepEqual(s.reports.map((r) => [r.id, r.outcome]), [[
      "hang",
      "cancelled",
    ]]);
    assert.deepEqual(await control(port, "STATS", "BOGUS", "LIST", "QUIT"), [
      '{"cancelled":1}',
      "ERR unknown command BOGUS",
      ".",
      "BYE",
    ]);

    // A client still connected when the scheduler stops is disconnected.
    const [r, w] = await openConnection({ port });
    await s.stop();
    assert.equal((await r.read()).length, 0, "EOF after stop");
    w.close();
    await w.waitClosed();
    await assert.rejects(
      openConnection({ port }),
      Deno.errors.ConnectionRefused,
    );
  });
});

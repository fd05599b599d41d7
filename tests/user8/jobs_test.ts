/**
 * The index jobs (subprocesses) of the crawl: results, failures, and that a
 * deadline or a cancel kills the children. Real clock (real processes); the
 * pages come from the fake site (no network).
 */

import assert from "node:assert/strict";
import { Event } from "@aio/asyncio/sync";
import { CancelledError, createTask, run, waitFor } from "@aio/asyncio/task";
import { crawl } from "./crawler.ts";
import { IndexerError, processIndexer } from "./indexer.ts";
import { BASE, fakeSite } from "./_fake_site.ts";

const sha256 = async (text: string) =>
  Array.from(
    new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
    ),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");

const alive = (pid: number) => {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
};

Deno.test("jobs: every page is indexed by a child process", async () => {
  const site = fakeSite({ "/": { links: ["/b"] }, "/b": {} });
  const report = await run(() =>
    crawl({
      start: `${BASE}/`,
      fetch: site.fetch,
      index: processIndexer(),
      deadlineMs: 10_000,
    })
  );
  assert.equal(report.stoppedBy, "done");
  assert.equal(
    report.pages.get(`${BASE}/`)?.digest,
    await sha256(`<a href="/b">x</a>`),
  );
  assert.equal(report.pages.get(`${BASE}/b`)?.digest, await sha256(""));
});

Deno.test("jobs: a failing indexer is reported as an IndexerError", async () => {
  const site = fakeSite({ "/": {} });
  const report = await run(() =>
    crawl({
      start: `${BASE}/`,
      fetch: site.fetch,
      index: processIndexer({
        cmd: ["sh", "-c", "cat >/dev/null; echo bad >&2; exit 3"],
      }),
      deadlineMs: 10_000,
    })
  );
  const error = report.errors.get(`${BASE}/`);
  assert.ok(error instanceof IndexerError, String(error));
  assert.equal(error.code, 3);
  assert.equal(error.stderr, "bad\n");
});

Deno.test("jobs: the deadline kills indexers still running", async () => {
  const site = fakeSite({ "/": { links: ["/b", "/c"] }, "/b": {}, "/c": {} });
  const pids: number[] = [];
  const started = performance.now();
  const report = await run(() =>
    crawl({
      start: `${BASE}/`,
      fetch: site.fetch,
      index: processIndexer({
        cmd: ["sh", "-c", "exec sleep 30"],
        onSpawn: (pid) => pids.push(pid),
      }),
      maxJobs: 2,
      deadlineMs: 300,
    })
  );
  assert.equal(report.stoppedBy, "deadline");
  assert.ok(performance.now() - started < 3_000);
  assert.equal(report.pages.size, 0);
  assert.deepEqual(pids.length, 1); // only "/" was fetched and indexing
  assert.deepEqual(pids.filter(alive), []);
});

Deno.test("jobs: cancelling the crawl kills indexers too", async () => {
  const site = fakeSite({ "/": { links: ["/b"] }, "/b": {} });
  const pids: number[] = [];
  await run(async () => {
    const spawned = new Event();
    const crawling = createTask(() =>
      crawl({
        start: `${BASE}/`,
        fetch: site.fetch,
        index: processIndexer({
          cmd: ["sleep", "30"],
          onSpawn: (pid) => {
            pids.push(pid);
            spawned.set();
          },
        }),
        deadlineMs: 10_000,
      })
    );
    await waitFor(spawned.wait(), 5_000);
    crawling.cancel();
    await assert.rejects(crawling, CancelledError);
  });
  assert.equal(pids.length, 1);
  assert.deepEqual(pids.filter(alive), []);
});

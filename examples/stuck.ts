/**
 * A deadlock on purpose, and the task tree that shows it. Two transfers
 * take the same two locks in opposite orders; each gets its first lock and
 * waits forever for the other. After a second without progress the program
 * prints the task tree (who waits on what, since when), then cancels both
 * transfers and exits cleanly: cancelling a `Lock.acquire()` leaves no lock
 * held and no waiter behind.
 *
 * Run: `deno run examples/stuck.ts`
 *
 * With `debug: true` (as here), `kill -USR1 <pid>` prints the same tree to
 * stderr at any time while the program runs (Unix only).
 *
 * @module
 */

import { createTask, formatTaskTree, run, sleep, wait } from "../task/mod.ts";
import { Lock } from "../sync/mod.ts";

const TIMEOUT_MS = 1000;

async function transfer(from: Lock, to: Lock): Promise<void> {
  await from.acquire();
  try {
    await sleep(10); // long enough for the other transfer to take `to`
    await to.acquire();
    to.release();
  } finally {
    from.release();
  }
}

await run(async () => {
  const checking = new Lock();
  const savings = new Lock();
  const ab = createTask(() => transfer(checking, savings), {
    name: "transfer checking->savings",
  });
  const ba = createTask(() => transfer(savings, checking), {
    name: "transfer savings->checking",
  });
  const { pending } = await wait([ab, ba], { timeout: TIMEOUT_MS });
  if (pending.size === 0) {
    console.log("no deadlock this time");
    return;
  }
  console.log(`no progress after ${TIMEOUT_MS} ms: deadlock?`);
  console.log(formatTaskTree(undefined, { showSource: false }));
  for (const t of pending) t.cancel();
  await wait(pending);
  console.log(
    `cancelled both; checking locked: ${checking.locked()}, savings locked: ${savings.locked()}`,
  );
}, { debug: true });

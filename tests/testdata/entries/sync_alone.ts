// Imports only @aio/asyncio/sync: a lock and a queue, on their fast paths.
import { Lock, Queue, QueueEmpty } from "@aio/asyncio/sync";

const lock = new Lock();
const q = new Queue<number>(2);
{
  using _ = await lock.lock();
  await q.put(1);
  await q.put(2);
}
const got = [await q.get(), q.getNowait(), lock.locked()];
let empty = false;
try {
  q.getNowait();
} catch (e) {
  empty = e instanceof QueueEmpty;
}
console.log(JSON.stringify([...got, empty]));

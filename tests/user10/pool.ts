// Port of pool.py: trio's memory channel is aio's Queue; closing the send
// side is `queue.shutdown()` ("Gets go on until the queue is empty, then
// throw QueueShutDown"), and `for await (const x of queue)` is trio's
// `async for x in receive_channel`.
import { Queue, sleep, taskGroup } from "@aio/asyncio";
import { ename, type Log, main, moveOnAfter } from "./_tl.ts";

const COST = [3000, 1000, 2000, 1000, 1000, 2000, 1000];

export function program(l: Log): Promise<void> {
  async function producer(queue: Queue<number>, jobs: number) {
    try {
      for (let i = 0; i < jobs; i++) {
        try {
          await queue.put(i);
        } catch (e) {
          l.log(`producer send job${i} raised ${ename(e)}`);
          throw e;
        }
        l.log(`producer put job${i}`);
      }
      l.log("producer closes");
    } finally {
      queue.shutdown();
    }
  }

  async function worker(name: string, queue: Queue<number>) {
    let job: number | null = null;
    try {
      for await (job of queue) {
        l.log(`${name} got job${job}`);
        await sleep(COST[job]!);
        l.log(`${name} done job${job}`);
        job = null;
      }
    } catch (e) {
      l.log(`${name} raised ${ename(e)} during job${job}`);
      throw e;
    }
    l.log(`${name} exits`);
  }

  return (async () => {
    l.scenario("P1 graceful: close the channel, workers drain");
    {
      const queue = new Queue<number>(2);
      await taskGroup((tg) => {
        for (const w of ["w1", "w2", "w3"]) {
          tg.createTask(() => worker(w, queue));
        }
        tg.createTask(() => producer(queue, COST.length));
      });
      l.log("P1 pool done");
    }

    l.scenario("P2 deadline: workers cancelled mid-job, producer mid-send");
    {
      const queue = new Queue<number>(2);
      const scope = await moveOnAfter(2500, () =>
        taskGroup((tg) => {
          for (const w of ["w1", "w2", "w3"]) {
            tg.createTask(() => worker(w, queue));
          }
          tg.createTask(() => producer(queue, 1000));
        }));
      l.log(`P2 caught=${scope.caught} items left=${queue.qsize()}`);
    }
  })();
}

if (import.meta.main) console.log((await main(program)).join("\n"));

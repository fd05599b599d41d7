"""Producer/consumer pipeline: bounded Queue, task_done/join, worker cancellation."""

import asyncio

from _vclock import now, run


def log(msg):
    print(f"t={now():g} {msg}", flush=True)


async def worker(name, queue, results):
    try:
        while True:
            item = await queue.get()
            log(f"{name} got {item}")
            try:
                await asyncio.sleep(item % 3 + 1)
                results.append((name, item * item))
                log(f"{name} done {item}")
            finally:
                queue.task_done()
    except asyncio.CancelledError:
        log(f"{name} cancelled, cleaning up")
        await asyncio.sleep(1)
        log(f"{name} cleanup finished")
        raise


async def producer(queue, n):
    for i in range(n):
        await queue.put(i)
        log(f"put {i} qsize={queue.qsize()} full={queue.full()}")
    log("producer finished")


async def main():
    queue = asyncio.Queue(maxsize=2)
    results = []
    workers = [
        asyncio.create_task(worker(f"w{i}", queue, results), name=f"w{i}")
        for i in range(3)
    ]
    await producer(queue, 8)
    await queue.join()
    log(f"joined, empty={queue.empty()}")
    for w in workers:
        w.cancel()
    outcomes = await asyncio.gather(*workers, return_exceptions=True)
    log("workers: " + " ".join(type(o).__name__ for o in outcomes))
    log("cancelled: " + " ".join(str(w.cancelled()) for w in workers))
    log("results: " + " ".join(f"{n}:{v}" for n, v in sorted(results)))
    # get_nowait on an empty queue
    try:
        queue.get_nowait()
    except asyncio.QueueEmpty as e:
        log(f"get_nowait: {type(e).__name__}")
    queue.put_nowait(1)
    queue.put_nowait(2)
    try:
        queue.put_nowait(3)
    except asyncio.QueueFull as e:
        log(f"put_nowait: {type(e).__name__}")


run(main())

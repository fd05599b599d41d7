"""A worker pool fed by a memory channel, shut down gracefully (close the
send side, workers drain) and by a deadline (workers cancelled mid-job)."""

import trio

from _tl import ename, log, main, scenario

COST = [3, 1, 2, 1, 1, 2, 1]  # seconds per job


async def producer(send, jobs):
    async with send:
        for i in range(jobs):
            try:
                await send.send(i)
            except BaseException as e:
                log(f"producer send job{i} raised {ename(e)}")
                raise
            log(f"producer put job{i}")
        log("producer closes")


async def worker(name, recv):
    async with recv:
        job = None
        try:
            async for job in recv:
                log(f"{name} got job{job}")
                await trio.sleep(COST[job])
                log(f"{name} done job{job}")
                job = None
        except BaseException as e:
            log(f"{name} raised {ename(e)} during job{job}")
            raise
    log(f"{name} exits")


async def pool(jobs):
    send, recv = trio.open_memory_channel(2)
    async with trio.open_nursery() as n:
        for w in ("w1", "w2", "w3"):
            n.start_soon(worker, w, recv.clone())
        await recv.aclose()
        n.start_soon(producer, send, jobs)
    return recv


async def program():
    scenario("P1 graceful: close the channel, workers drain")
    await pool(len(COST))
    log("P1 pool done")

    scenario("P2 deadline: workers cancelled mid-job, producer mid-send")
    send, recv = trio.open_memory_channel(2)
    with trio.move_on_after(2.5) as scope:
        async with trio.open_nursery() as n:
            for w in ("w1", "w2", "w3"):
                n.start_soon(worker, w, recv.clone())
            n.start_soon(producer, send, 1000)
    left = recv.statistics().current_buffer_used
    log(f"P2 caught={scope.cancelled_caught} items left={left}")


main(program)

"""A task step runs without interleaving until the task really suspends: an
`await` on something that is ready (a set Event, a non-empty Queue, a done
task, an uncontended Lock) does not let another task run. Two tasks woken in
the same tick do a read-modify-write across such awaits; no update is lost."""

import asyncio

from _vclock import now, run


def log(msg):
    print(f"t={now():g} {msg}", flush=True)


async def main():
    ev = asyncio.Event()
    ev.set()
    q = asyncio.Queue()
    for i in range(10):
        q.put_nowait(i)
    lock = asyncio.Lock()
    done_task = asyncio.create_task(asyncio.sleep(0))
    await done_task
    counters = {"event": 0, "queue": 0, "task": 0, "lock": 0}

    async def bump(name, kind, ready):
        await asyncio.sleep(1)
        v = counters[kind]
        log(f"{name} {kind} read {v}")
        await ready()
        counters[kind] = v + 1
        log(f"{name} {kind} wrote {v + 1}")

    async def with_lock():
        async with lock:
            pass

    for kind, ready in [("event", ev.wait), ("queue", q.get),
                        ("task", lambda: done_task), ("lock", with_lock)]:
        await asyncio.gather(bump("a", kind, ready), bump("b", kind, ready))
        log(f"{kind} counter={counters[kind]}")


run(main())

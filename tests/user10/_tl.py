"""Shared helpers for the trio programs: a deterministic event log.

Times are virtual milliseconds since the current scenario began. trio
shuffles each scheduling batch (it reverses it at random); the log must be
the same on every run, so the batch order is pinned to FIFO (the order in
which tasks were rescheduled), which is what aio's loop does.
"""

import sys

import trio
import trio.testing
import trio._core._run as _run

# Always reverse the batch, and trio pops from the end: first rescheduled,
# first run.
_run._r.random = lambda: 0.0

LINES = []
_T0 = [0.0]


def scenario(name):
    _T0[0] = trio.current_time()
    LINES.append(f"== {name}")


def log(msg):
    ms = round((trio.current_time() - _T0[0]) * 1000)
    msg = msg.replace("=True", "=true").replace("=False", "=false")
    LINES.append(f"{ms} {msg}")


def ename(e):
    """A canonical exception name, shared with the aio ports."""
    if isinstance(e, trio.Cancelled):
        return "Cancelled"
    if isinstance(e, trio.TooSlowError):
        return "TooSlow"
    if isinstance(e, BaseExceptionGroup):
        return "Group[" + ",".join(ename(x) for x in e.exceptions) + "]"
    return type(e).__name__


class Boom(Exception):
    pass


def main(fn, mock=True):
    kwargs = {"strict_exception_groups": True}
    if mock:
        kwargs["clock"] = trio.testing.MockClock(autojump_threshold=0)
    try:
        trio.run(fn, **kwargs)
    except BaseException as e:  # noqa: BLE001 - the log records it
        LINES.append(f"run raised {ename(e)}")
    sys.stdout.write("".join(line + "\n" for line in LINES))

"""Shared plumbing of the asyncio workloads (see bench/_util.ts)."""

import json
import math
import sys


def params():
    """Parses key=value arguments into integers."""
    out = {}
    for arg in sys.argv[1:]:
        key, value = arg.split("=")
        out[key] = int(value)
    return out


def report(**result):
    print(json.dumps(result), flush=True)


def main(measure, scaled):
    """A warm-up pass with the `scaled` parameters divided by 10, then the
    measured pass, whose figures are printed (as bench/_util.ts does)."""
    p = params()
    warm = dict(p)
    for key in scaled:
        warm[key] = max(1, -(-p[key] // 10))
    measure(warm)
    report(**measure(p))


def check(ok, message):
    if not ok:
        raise SystemExit(f"Check failed: {message}")


def random_delays(n):
    """The same 31-bit LCG as bench/_util.ts: delays in [0, 100) ms."""
    out = []
    seed = 42
    for _ in range(n):
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        out.append((seed % 10_000) / 100)
    return out


def quantile(values, q):
    values.sort()
    i = min(len(values) - 1, math.ceil(q * len(values)) - 1)
    return values[max(0, i)]

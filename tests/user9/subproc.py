"""Subprocesses: communicate(), line-by-line stdout, a two-process pipeline,
shell, merged stderr, a wait_for timeout and kill."""

import asyncio
from asyncio.subprocess import PIPE, STDOUT


def log(msg):
    print(msg, flush=True)


async def communicate_demo():
    proc = await asyncio.create_subprocess_exec("tr", "a-z", "A-Z", stdin=PIPE, stdout=PIPE)
    out, err = await proc.communicate(b"hello\nworld\n")
    log(f"tr -> {out.decode().split()} err={err} rc={proc.returncode}")


async def line_by_line():
    proc = await asyncio.create_subprocess_exec(
        "sh", "-c", "for i in 1 2 3; do echo line $i; done; echo oops >&2; exit 3",
        stdout=PIPE, stderr=PIPE)
    while True:
        line = await proc.stdout.readline()
        if not line:
            break
        log(f"stdout: {line.decode().rstrip()}")
    err = await proc.stderr.read()
    rc = await proc.wait()
    log(f"stderr: {err.decode().rstrip()} rc={rc} returncode={proc.returncode}")


async def pipeline():
    src = await asyncio.create_subprocess_exec("printf", "pear\\napple\\nfig\\n", stdout=PIPE)
    sort = await asyncio.create_subprocess_exec("sort", stdin=PIPE, stdout=PIPE)

    async def pump():
        n = 0
        while line := await src.stdout.readline():
            sort.stdin.write(line.upper())
            await sort.stdin.drain()
            n += 1
        sort.stdin.close()
        await src.wait()
        return n

    async def collect():
        lines = []
        async for line in sort.stdout:
            lines.append(line.decode().rstrip())
        return lines

    n, lines = await asyncio.gather(pump(), collect())
    rc = await sort.wait()
    log(f"pipeline pumped {n} lines -> {lines} rc={rc} src_rc={src.returncode}")


async def shell_and_merged():
    proc = await asyncio.create_subprocess_shell("echo one two three | wc -w", stdout=PIPE)
    out, _ = await proc.communicate()
    log(f"shell wc -> {out.decode().strip()}")
    proc = await asyncio.create_subprocess_exec(
        "sh", "-c", "echo a; echo b >&2; echo c", stdout=PIPE, stderr=STDOUT)
    out, err = await proc.communicate()
    log(f"merged -> {out.decode().split()} stderr={err}")


async def timeout_and_kill():
    proc = await asyncio.create_subprocess_exec("sleep", "10")
    try:
        await asyncio.wait_for(proc.wait(), 0.2)
    except TimeoutError:
        log(f"wait_for(proc.wait()) TimeoutError returncode={proc.returncode}")
    proc.kill()
    log(f"killed rc={await proc.wait()}")


async def missing():
    try:
        await asyncio.create_subprocess_exec("/nonexistent/program")
    except Exception as e:
        log(f"missing program: {type(e).__name__}")


async def main():
    await communicate_demo()
    await line_by_line()
    await pipeline()
    await shell_and_merged()
    await timeout_and_kill()
    await missing()


asyncio.run(main())

// aio port of subproc.py.
import { createSubprocessExec, createSubprocessShell } from "@aio/asyncio/io";
import { gather, run, TimeoutError, waitFor } from "@aio/asyncio/task";
import { pyList, typeName } from "./_log.ts";

const dec = new TextDecoder();
const log = (msg: string) => console.log(msg);
const words = (b: Uint8Array | null) =>
  dec.decode(b!).split(/\s+/).filter(Boolean);

async function communicateDemo(): Promise<void> {
  await using proc = await createSubprocessExec("tr", ["a-z", "A-Z"], {
    stdin: "piped",
    stdout: "piped",
  });
  const [out, err] = await proc.communicate("hello\nworld\n");
  log(
    `tr -> ${pyList(words(out))} err=${err ?? "None"} rc=${proc.returncode}`,
  );
}

async function lineByLine(): Promise<void> {
  await using proc = await createSubprocessExec("sh", [
    "-c",
    "for i in 1 2 3; do echo line $i; done; echo oops >&2; exit 3",
  ], { stdout: "piped", stderr: "piped" });
  while (true) {
    const line = await proc.stdout!.readLine();
    if (line.length === 0) break;
    log(`stdout: ${dec.decode(line).trimEnd()}`);
  }
  const err = await proc.stderr!.read();
  const rc = await proc.wait();
  log(
    `stderr: ${
      dec.decode(err).trimEnd()
    } rc=${rc} returncode=${proc.returncode}`,
  );
}

async function pipeline(): Promise<void> {
  await using src = await createSubprocessExec("printf", [
    "pear\\napple\\nfig\\n",
  ], { stdout: "piped" });
  await using sort = await createSubprocessExec("sort", [], {
    stdin: "piped",
    stdout: "piped",
  });
  const pump = async () => {
    let n = 0;
    while (true) {
      const line = await src.stdout!.readLine();
      if (line.length === 0) break;
      sort.stdin!.write(dec.decode(line).toUpperCase());
      await sort.stdin!.drain();
      n++;
    }
    sort.stdin!.close();
    await src.wait();
    return n;
  };
  const collect = async () => {
    const lines: string[] = [];
    for await (const line of sort.stdout!) {
      lines.push(dec.decode(line).trimEnd());
    }
    return lines;
  };
  const [n, lines] = await gather(pump, collect);
  const rc = await sort.wait();
  log(
    `pipeline pumped ${n} lines -> ${
      pyList(lines)
    } rc=${rc} src_rc=${src.returncode}`,
  );
}

async function shellAndMerged(): Promise<void> {
  {
    await using proc = await createSubprocessShell(
      "echo one two three | wc -w",
      { stdout: "piped" },
    );
    const [out] = await proc.communicate();
    log(`shell wc -> ${dec.decode(out!).trim()}`);
  }
  await using proc = await createSubprocessExec("sh", [
    "-c",
    "echo a; echo b >&2; echo c",
  ], { stdout: "piped", stderr: "stdout" });
  const [out, err] = await proc.communicate();
  log(`merged -> ${pyList(words(out))} stderr=${err ?? "None"}`);
}

async function timeoutAndKill(): Promise<void> {
  await using proc = await createSubprocessExec("sleep", ["10"]);
  try {
    await waitFor(proc.wait(), 200);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log(
      `wait_for(proc.wait()) TimeoutError returncode=${
        proc.returncode ?? "None"
      }`,
    );
  }
  proc.kill("SIGKILL");
  log(`killed rc=${await proc.wait()}`);
}

async function missing(): Promise<void> {
  try {
    await createSubprocessExec("/nonexistent/program", []);
  } catch (e) {
    log(`missing program: ${typeName(e)}`);
  }
}

await run(async () => {
  await communicateDemo();
  await lineByLine();
  await pipeline();
  await shellAndMerged();
  await timeoutAndKill();
  await missing();
});

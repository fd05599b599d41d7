/**
 * The public surface of each entry, pinned: a new export (or a lost one) is a
 * deliberate change to these lists. Read from `deno doc --json`, which sees
 * what JSR users see.
 */

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

const EXPORTS: Record<string, string[]> = {
  "loop/mod.ts": [
    "CancelledError",
    "Clock",
    "DoneCallback",
    "EventLoop",
    "EventLoopOptions",
    "ExceptionContext",
    "ExceptionHandler",
    "Future",
    "getEventLoop",
    "getRunningLoop",
    "Handle",
    "InvalidStateError",
    "isFuture",
    "MonotonicClock",
    "newEventLoop",
    "setEventLoop",
    "SignalOptions",
    "TimerHandle",
    "VirtualClock",
  ],
  "executor/mod.ts": [
    "checkCancelled",
    "jobSignal",
    "LoopChannel",
    "RemoteLoop",
    "runInExecutor",
    "setDefaultExecutor",
    "shutdownDefaultExecutor",
    "SubmitOptions",
    "WorkerPool",
    "WorkerPoolOptions",
  ],
  "task/mod.ts": [
    "allTasks",
    "asCompleted",
    "AsCompletedOptions",
    "Awaitable",
    "AwaitedOf",
    "CancelledError",
    "createTask",
    "CreateTaskOptions",
    "currentSignal",
    "currentTask",
    "DoneCallback",
    "formatTaskTree",
    "Future",
    "gather",
    "GatherOptions",
    "GatherResults",
    "InvalidStateError",
    "isFuture",
    "PendingWait",
    "printTaskTree",
    "ReturnWhen",
    "run",
    "RunOptions",
    "shield",
    "SignalOptions",
    "sleep",
    "Task",
    "TaskGroup",
    "taskGroup",
    "TaskOptions",
    "TaskTarget",
    "TaskTreeOptions",
    "Timeout",
    "timeout",
    "timeoutAt",
    "TimeoutError",
    "wait",
    "waitFor",
    "WaitResult",
    "WaitSetOptions",
  ],
  "sync/mod.ts": [
    "Barrier",
    "BoundedSemaphore",
    "BrokenBarrierError",
    "CancelledError",
    "Condition",
    "Event",
    "Guard",
    "LifoQueue",
    "Lock",
    "PriorityQueue",
    "Queue",
    "QueueEmpty",
    "QueueFull",
    "QueueShutDown",
    "Releasable",
    "Semaphore",
    "SignalOptions",
  ],
  "io/mod.ts": [
    "AsyncFile",
    "AsyncFileOptions",
    "CancelledError",
    "ConnectionHandler",
    "copyFile",
    "CopyFileOptions",
    "createDatagramEndpoint",
    "CreateDatagramEndpointOptions",
    "createSubprocessExec",
    "createSubprocessShell",
    "Datagram",
    "DatagramAddress",
    "DatagramEndpoint",
    "DatagramEndpointOptions",
    "DEFAULT_LIMIT",
    "IncompleteReadError",
    "LimitOverrunError",
    "openConnection",
    "OpenConnectionOptions",
    "openFile",
    "OpenFileOptions",
    "openUnixConnection",
    "OpenUnixConnectionOptions",
    "Process",
    "ProcessOptions",
    "ProcessWaitOptions",
    "readerFromStream",
    "ReaderFromStreamOptions",
    "Separator",
    "Server",
    "ServerOptions",
    "SignalOptions",
    "startServer",
    "StartServerOptions",
    "StartTlsOptions",
    "startUnixServer",
    "StartUnixServerOptions",
    "StdioOption",
    "StreamReader",
    "StreamReaderOptions",
    "StreamWriter",
    "StreamWriterOptions",
    "SubprocessOptions",
    "TlsClientOptions",
    "TlsServerOptions",
    "writerFromStream",
    "WriteSink",
  ],
};

/** Case-insensitive, then `Timeout` before `timeout`. */
function byName(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

async function exportedNames(entry: string): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", entry],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const doc = JSON.parse(new TextDecoder().decode(stdout));
  const symbols: { name: string }[] =
    doc.nodes[new URL(entry, ROOT).href].symbols;
  return [...new Set(symbols.map((s) => s.name))].sort(byName);
}

for (const [entry, expected] of Object.entries(EXPORTS)) {
  Deno.test(`${entry} exports exactly its pinned names`, async () => {
    assert.deepEqual(await exportedNames(entry), expected);
  });
}

Deno.test("mod.ts exports every entry's names and nothing else", async () => {
  const all = new Set(Object.values(EXPORTS).flat());
  assert.deepEqual(
    await exportedNames("mod.ts"),
    [...all].sort(byName),
  );
});

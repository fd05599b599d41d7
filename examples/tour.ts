/**
 * The examples tour: runs every example in turn, each under a heading, with
 * the permissions it needs. `deno task demo` runs this.
 *
 * Run: `deno run --allow-run --allow-read --allow-net=127.0.0.1 --allow-write --allow-env examples/tour.ts`
 *
 * @module
 */

interface Stop {
  file: string;
  title: string;
  permissions: string[];
  args?: string[];
}

const stops: Stop[] = [
  {
    file: "call_soon.ts",
    title: "callSoon: handlers on an explicit loop",
    permissions: [],
  },
  { file: "call_later.ts", title: "callLater and callAt", permissions: [] },
  { file: "tasks.ts", title: "Tasks and cancellation", permissions: [] },
  {
    file: "timeouts.ts",
    title: "waitFor, timeout, shield, TaskGroup",
    permissions: [],
  },
  {
    file: "download.ts",
    title: "Concurrent downloads with wait()",
    permissions: [
      "--allow-net=127.0.0.1",
      "--allow-write",
      "--allow-read",
      "--allow-env",
    ],
  },
  {
    file: "producer_consumer.ts",
    title: "Producers and consumers on a Queue",
    permissions: [],
  },
  {
    file: "rate_limit.ts",
    title: "A Semaphore as a rate limit",
    permissions: [],
  },
  {
    file: "echo_client.ts",
    title: "Echo client and server",
    permissions: ["--allow-net=127.0.0.1"],
  },
  {
    file: "chat_server.ts",
    title: "Chat room (scripted demo)",
    permissions: ["--allow-net=127.0.0.1"],
  },
  {
    file: "subprocess.ts",
    title: "Subprocess output line by line",
    permissions: ["--allow-run=/bin/sh"],
  },
  {
    file: "cpu_offload.ts",
    title: "CPU work in a Worker pool",
    permissions: ["--allow-read"],
  },
  {
    file: "crawler.ts",
    title: "A crawler: fetch, Deno.serve, a Worker job that stops, a child",
    permissions: ["--allow-net=127.0.0.1", "--allow-read", "--allow-run=sh"],
  },
  {
    file: "job_scheduler.ts",
    title: "A job scheduler with a status API (Deno.serve, fetch, cancel)",
    permissions: ["--allow-net=127.0.0.1"],
  },
  {
    file: "stuck.ts",
    title: "What is my program waiting on?",
    permissions: [],
  },
];

const here = new URL(".", import.meta.url);
let failed = 0;
for (const stop of stops) {
  const url = new URL(stop.file, here);
  console.log(`\n=== ${stop.title} (examples/${stop.file}) ===\n`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...stop.permissions, url.pathname, ...(stop.args ?? [])],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    failed++;
    console.log(`(examples/${stop.file} exited with ${code})`);
  }
}
if (failed > 0) Deno.exit(1);

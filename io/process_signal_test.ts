import assert from "node:assert/strict";
import { run } from "../task/mod.ts";
import { signalTable } from "./_signals.ts";
import { createSubprocessShell } from "./create_subprocess_shell.ts";

/** The number the system's `kill -l` gives for `name` (bash), or `null`. */
async function killList(name: string): Promise<number | null> {
  try {
    const out = await new Deno.Command("bash", {
      args: ["-c", `kill -l ${name}`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const n = Number(new TextDecoder().decode(out.stdout).trim());
    return out.success && Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/** The returncode of a shell that sends itself `signal`. */
function killedBy(signal: string): Promise<number | null> {
  return run(async () => {
    // No core file from SIGSYS, SIGXCPU and friends.
    await using proc = await createSubprocessShell(
      `ulimit -c 0; kill -${signal} $$; sleep 5`,
    );
    await proc.wait();
    return proc.returncode;
  });
}

const unix = Deno.build.os !== "windows";

// Signals whose default action ends the process, on Linux and macOS alike.
const NAMES = [
  "SIGSYS",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGUSR1",
  "SIGUSR2",
  "SIGVTALRM",
  "SIGPROF",
  "SIGALRM",
  "SIGHUP",
  "SIGQUIT",
  "SIGTERM",
];

Deno.test(
  "Process.returncode is minus the signal's number for every signal that ends a child",
  {
    ignore: !unix,
  },
  async () => {
    const got: Record<string, number | null> = {};
    const want: Record<string, number | null> = {};
    for (const name of NAMES) {
      got[name] = await killedBy(name.slice(3));
      const n = (await killList(name)) ?? signalTable()?.[name] ?? null;
      want[name] = n === null ? null : -n;
    }
    assert.deepEqual(got, want);
    if (Deno.build.os === "linux") {
      assert.equal(got.SIGSYS, -31);
      assert.equal(got.SIGXCPU, -24);
    }
  },
);

Deno.test(
  "Process.returncode is minus the number of a real-time signal Deno cannot name",
  {
    ignore: Deno.build.os !== "linux",
  },
  async () => {
    // Deno 2.9's status op fails on a real-time signal ("Invalid signal: 34")
    // before it marks the child as waited for, so its sanitizer would count
    // the exited child as open: the check runs in its own process.
    const codes: string[] = [];
    for (const signal of ["34", "40"]) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-run",
          new URL("./testdata/rt_signal.ts", import.meta.url).pathname,
          signal,
        ],
        stdout: "piped",
      }).output();
      assert.ok(out.success);
      codes.push(new TextDecoder().decode(out.stdout).trim());
    }
    assert.deepEqual(codes, ["-34", "-40"]);
  },
);

Deno.test("the signal tables agree with the system's kill -l", {
  ignore: !unix,
}, async () => {
  const table = signalTable();
  assert.ok(table !== null);
  let checked = 0;
  for (const [name, n] of Object.entries(table)) {
    const system = await killList(name);
    if (system === null) continue; // an alias this system does not know
    assert.equal(n, system, name);
    checked++;
  }
  assert.ok(checked >= 28, `only ${checked} signals checked`);
});

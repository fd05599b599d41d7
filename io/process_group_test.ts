import assert from "node:assert/strict";
import { createSubprocessExec, createSubprocessShell } from "./mod.ts";
import { run, sleep } from "../task/mod.ts";

/**
 * Whether `pid` is a live process (not gone, not a zombie), from its
 * `/proc` entry, read by `cat` (Deno itself asks `--allow-all` for it).
 */
async function alive(pid: number): Promise<boolean> {
  const { success, stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) return false;
  const stat = new TextDecoder().decode(stdout);
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
}

const linux = Deno.build.os === "linux";

Deno.test({
  name:
    "killGroup() stops a shell and the command it started; kill() stops the shell alone",
  ignore: !linux,
  fn: async () => {
    await run(async () => {
      for (const group of [true, false]) {
        await using proc = await createSubprocessShell(
          "sleep 30 & echo $!; wait",
          { stdout: "piped", newSession: true },
        );
        const grandchild = Number(
          new TextDecoder().decode(await proc.stdout!.readLine()),
        );
        assert.ok(await alive(grandchild));
        if (group) proc.killGroup("SIGTERM");
        else proc.kill("SIGTERM");
        assert.equal(await proc.wait(), -15);
        // Bounded: an orphan is reaped by init a moment after it dies. (Not
        // signalled at all, it is alive at once.)
        let gone = false;
        for (let i = 0; i < (group ? 100 : 1) && !gone; i++) {
          gone = !(await alive(grandchild));
          if (!gone && group) await sleep(20);
        }
        assert.equal(gone, group, `grandchild gone (group: ${group})`);
        // What kill() left running, killGroup() ends, the shell gone.
        if (!group) {
          proc.killGroup();
          for (let i = 0; i < 100 && !gone; i++) {
            gone = !(await alive(grandchild));
            if (!gone) await sleep(20);
          }
          assert.ok(gone);
        }
        // The whole group gone: nothing to do.
        proc.killGroup();
      }
    });
  },
});

Deno.test({
  name: "killGroup() on a child that leads no group says so, and kills nothing",
  ignore: !linux,
  fn: async () => {
    await run(async () => {
      await using proc = await createSubprocessExec("sleep", ["30"]);
      assert.throws(
        () => proc.killGroup(),
        (e: Error) =>
          /leads no process group; start it with newSession/.test(e.message),
      );
      assert.equal(proc.returncode, null);
    });
  },
});

import assert from "node:assert/strict";
import {
  createSubprocessExec,
  createTask,
  openConnection,
  run,
  type StreamReader,
  type StreamWriter,
  waitFor,
} from "../../mod.ts";
import { KvServer } from "./kv.ts";

const dec = new TextDecoder();

class Client {
  constructor(readonly r: StreamReader, readonly w: StreamWriter) {}
  static async connect(port: number): Promise<Client> {
    const [r, w] = await openConnection({ port });
    return new Client(r, w);
  }
  async line(): Promise<string> {
    const raw = await this.r.readLine();
    return dec.decode(raw).replace(/\n$/, "");
  }
  async cmd(text: string): Promise<string> {
    this.w.write(text + "\n");
    await this.w.drain();
    return await this.line();
  }
  async close(): Promise<void> {
    await this.w[Symbol.asyncDispose]();
  }
}

async function havePython(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("python3", {
      args: ["-c", "import asyncio"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

Deno.test("kv: GET/SET/DEL/EXPIRE/TTL, expiry announced on __expired__", async () => {
  await run(async () => {
    const kv = await new KvServer().start();
    const c = await Client.connect(kv.port);
    const watcher = await Client.connect(kv.port);
    try {
      assert.equal(await c.cmd("PING"), "PONG");
      assert.equal(await c.cmd("GET a"), "NIL");
      assert.equal(await c.cmd("SET a hello world"), "OK");
      assert.equal(await c.cmd("GET a"), "VALUE hello world");
      assert.equal(await c.cmd("TTL a"), "INT -1");
      assert.equal(await c.cmd("SET b 2"), "OK");
      assert.equal(await c.cmd("DEL a b nope"), "INT 2");
      assert.equal(await c.cmd("GET a"), "NIL");
      assert.equal(await c.cmd("TTL a"), "INT -2");
      assert.equal(await c.cmd("EXPIRE nope 10"), "INT 0");
      assert.equal(await c.cmd("BOGUS"), "ERR unknown command BOGUS");

      assert.equal(
        await watcher.cmd("SUBSCRIBE __expired__"),
        "SUBSCRIBED __expired__",
      );
      assert.equal(await c.cmd("SET short 1"), "OK");
      assert.equal(await c.cmd("SET long 2"), "OK");
      assert.equal(await c.cmd("SET gone 3"), "OK");
      assert.equal(await c.cmd("EXPIRE long 60000"), "INT 1");
      assert.equal(await c.cmd("EXPIRE short 30"), "INT 1");
      assert.equal(await c.cmd("EXPIRE gone 20"), "INT 1");
      // Overwriting a key drops its TTL: "gone" must never expire.
      assert.equal(await c.cmd("SET gone 4"), "OK");
      const ttl = Number((await c.cmd("TTL long")).split(" ")[1]);
      assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);

      // Waits on the event, bounded; no sleeping.
      assert.equal(
        await waitFor(watcher.line(), 5_000),
        "MESSAGE __expired__ short",
      );
      assert.equal(await c.cmd("GET short"), "NIL");
      assert.equal(await c.cmd("GET gone"), "VALUE 4");
      assert.equal(await c.cmd("GET long"), "VALUE 2");
      assert.equal(kv.stats.expired, 1);
      assert.equal(await c.cmd("QUIT"), "BYE");
      assert.equal((await c.r.read()).length, 0, "server hangs up after QUIT");
    } finally {
      await c.close();
      await watcher.close();
      await kv.shutdown();
    }
    assert.equal(kv.connectionCount, 0);
  });
});

Deno.test("kv: a fast subscriber gets everything in order, a slow one is kicked", async () => {
  await run(async () => {
    const kv = await new KvServer({
      subscriberQueue: 4,
      slowPolicy: "disconnect",
    }).start();
    const pub = await Client.connect(kv.port);
    const fast = await Client.connect(kv.port);
    const slow = await Client.connect(kv.port);
    try {
      assert.equal(await fast.cmd("SUBSCRIBE news"), "SUBSCRIBED news");
      assert.equal(await slow.cmd("SUBSCRIBE news"), "SUBSCRIBED news");
      assert.equal(kv.subscriberCount("news"), 2);
      const body = "x".repeat(32 * 1024);
      const got: number[] = [];
      let stop = false;
      const reader = createTask(async () => {
        while (true) {
          const line = await fast.line();
          if (line === "" || stop && line === "BYE") return;
          const m = /^MESSAGE news (\d+) x+$/.exec(line);
          assert.ok(m, `bad line ${line.slice(0, 40)}`);
          got.push(Number(m[1]));
        }
      });
      let sent = 0;
      const receivers: number[] = [];
      // The slow subscriber never reads: its kernel buffers and then its queue
      // fill up. Bounded: 2000 x 32 KiB.
      while (kv.stats.kicked === 0 && sent < 2000) {
        receivers.push(
          Number((await pub.cmd(`PUBLISH news ${sent} ${body}`)).split(" ")[1]),
        );
        sent++;
      }
      assert.equal(
        kv.stats.kicked,
        1,
        `slow subscriber not kicked after ${sent}`,
      );
      assert.equal(kv.subscriberCount("news"), 1);
      // After the kick, only the fast one receives.
      assert.equal(await pub.cmd(`PUBLISH news ${sent++} ${body}`), "INT 1");
      assert.ok(receivers.slice(0, -1).every((n) => n === 2));
      // The kicked connection ends (EOF or reset), never hangs.
      const rest = await waitFor(
        (async () => {
          let bytes = 0;
          try {
            while (true) {
              const chunk = await slow.r.read(1 << 16);
              if (chunk.length === 0) return bytes;
              bytes += chunk.length;
            }
          } catch (e) {
            if (e instanceof Deno.errors.ConnectionReset) return bytes;
            throw e;
          }
        })(),
        10_000,
      );
      assert.ok(rest > 0);
      stop = true;
      await kv.shutdown();
      await waitFor(reader, 10_000);
      assert.deepEqual(got, Array.from({ length: sent }, (_, i) => i));
    } finally {
      await pub.close();
      await fast.close();
      await slow.close();
      await kv.shutdown();
    }
  });
});

Deno.test("kv: dropOldest keeps the newest, and counts every message", async () => {
  await run(async () => {
    const kv = await new KvServer({
      subscriberQueue: 3,
      slowPolicy: "dropOldest",
    }).start();
    const pub = await Client.connect(kv.port);
    const sub = await Client.connect(kv.port);
    try {
      assert.equal(await sub.cmd("SUBSCRIBE c"), "SUBSCRIBED c");
      const body = "y".repeat(32 * 1024);
      let sent = 0;
      while (kv.stats.droppedMessages < 10 && sent < 2000) {
        assert.equal(await pub.cmd(`PUBLISH c ${sent} ${body}`), "INT 1");
        sent++;
      }
      assert.ok(kv.stats.droppedMessages >= 10);
      await pub.cmd(`PUBLISH c end`);
      const got: number[] = [];
      while (true) {
        const line = await waitFor(sub.line(), 10_000);
        if (line === "MESSAGE c end") break;
        got.push(Number(line.split(" ")[2]));
      }
      // Increasing, ending with the last one, and nothing unaccounted for.
      assert.deepEqual(got, [...got].sort((a, b) => a - b));
      assert.equal(got.at(-1), sent - 1);
      assert.equal(got.length + kv.stats.droppedMessages, sent);
      assert.equal(kv.stats.kicked, 0);
    } finally {
      await pub.close();
      await sub.close();
      await kv.shutdown();
    }
  });
});

Deno.test("kv: graceful shutdown drains subscribers, then closes everyone", async () => {
  await run(async () => {
    const kv = await new KvServer({ subscriberQueue: 100 }).start();
    const pub = await Client.connect(kv.port);
    const sub = await Client.connect(kv.port);
    const idle = await Client.connect(kv.port);
    try {
      assert.equal(await sub.cmd("SUBSCRIBE q"), "SUBSCRIBED q");
      assert.equal(await idle.cmd("PING"), "PONG");
      for (let i = 0; i < 50; i++) {
        assert.equal(await pub.cmd(`PUBLISH q m${i}`), "INT 1");
      }
      // Shut down while the subscriber has not read anything yet.
      const closing = createTask(() => kv.shutdown(5_000));
      const lines: string[] = [];
      while (true) {
        const line = await waitFor(sub.line(), 5_000);
        if (line === "") break;
        lines.push(line);
      }
      await waitFor(closing, 5_000);
      assert.deepEqual(lines, [
        ...Array.from({ length: 50 }, (_, i) => `MESSAGE q m${i}`),
        "BYE",
      ]);
      assert.equal((await idle.r.read()).length, 0, "idle client sees EOF");
      assert.equal((await pub.r.read()).length, 0, "publisher sees EOF");
      assert.equal(kv.connectionCount, 0);
      await assert.rejects(
        openConnection({ port: kv.port }),
        Deno.errors.ConnectionRefused,
      );
    } finally {
      await pub.close();
      await sub.close();
      await idle.close();
      await kv.shutdown();
    }
  });
});

const PY_CLIENT = `
import asyncio, sys
async def main(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    async def cmd(s):
        w.write((s + "\\n").encode()); await w.drain()
        return (await r.readline()).decode().rstrip("\\n")
    out = []
    out.append(await cmd("SET py snake"))
    out.append(await cmd("GET py"))
    out.append(await cmd("EXPIRE py 60000"))
    ttl = int((await cmd("TTL py")).split()[1])
    out.append("ttl-ok" if 0 < ttl <= 60000 else f"ttl-bad {ttl}")
    s_r, s_w = await asyncio.open_connection("127.0.0.1", port)
    s_w.write(b"SUBSCRIBE py-chan\\n"); await s_w.drain()
    out.append((await s_r.readline()).decode().rstrip())
    print("READY", flush=True)
    out.append((await asyncio.wait_for(s_r.readline(), 10)).decode().rstrip())
    s_w.close(); await s_w.wait_closed()
    w.close(); await w.wait_closed()
    print("\\n".join(out), flush=True)
asyncio.run(main(int(sys.argv[1])))
`;

Deno.test({
  name: "kv: a CPython asyncio client talks to it",
  ignore: !(await havePython()),
  fn: async () => {
    await run(async () => {
      const kv = await new KvServer().start();
      const me = await Client.connect(kv.port);
      try {
        await using py = await createSubprocessExec(
          "python3",
          ["-c", PY_CLIENT, String(kv.port)],
          { stdout: "piped" },
        );
        assert.equal(
          dec.decode(await waitFor(py.stdout!.readLine(), 10_000)),
          "READY\n",
        );
        assert.equal(await me.cmd("PUBLISH py-chan from deno"), "INT 1");
        const [out] = await waitFor(py.communicate(), 10_000);
        assert.equal(py.returncode, 0);
        assert.deepEqual(dec.decode(out!).trim().split("\n"), [
          "OK",
          "VALUE snake",
          "INT 1",
          "ttl-ok",
          "SUBSCRIBED py-chan",
          "MESSAGE py-chan from deno",
        ]);
        assert.equal(await me.cmd("GET py"), "VALUE snake");
      } finally {
        await me.close();
        await kv.shutdown();
      }
    });
  },
});

Deno.test("kv: pipelined commands with a half-close, and an over-long line", async () => {
  await run(async () => {
    const kv = await new KvServer().start();
    const [r, w] = await openConnection({ port: kv.port });
    const [r2, w2] = await openConnection({ port: kv.port });
    try {
      let cmds = "";
      for (let i = 0; i < 5000; i++) cmds += `SET k${i} v${i}\nGET k${i}\n`;
      w.write(cmds);
      w.writeEof();
      const lines = dec.decode(await r.read(-1)).trim().split("\n");
      assert.equal(lines.length, 10000);
      assert.deepEqual(lines.slice(-2), ["OK", "VALUE v4999"]);
      assert.equal(kv.keyCount, 5000);

      w2.write("SET big " + "z".repeat(100_000) + "\nPING\n");
      w2.writeEof();
      assert.equal(dec.decode(await r2.read(-1)), "ERR line too long\n");
    } finally {
      await w[Symbol.asyncDispose]();
      await w2[Symbol.asyncDispose]();
      await kv.shutdown();
    }
  });
});

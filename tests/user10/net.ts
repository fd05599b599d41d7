// Port of net.py: trio's serve_tcp/open_tcp_stream are aio's
// startServer/openConnection; receive_some-until-newline is readLine().
// Real sockets, real clock; the log has no times.
import {
  getRunningLoop,
  openConnection,
  startServer,
  type StreamReader,
  type StreamWriter,
  timeout,
} from "@aio/asyncio";
import { ename, type Log, main, moveOnAfter } from "./_tl.ts";

const dec = (b: Uint8Array) => JSON.stringify(new TextDecoder().decode(b));

function took(t0: number, ms: number): string {
  const dt = getRunningLoop().time() - t0;
  return `took>=${ms}ms:${ms <= dt && dt < 5000}`;
}

export function program(l: Log): Promise<void> {
  const note = (msg: string) => l.lines.push(`- ${msg}`);

  async function handler(reader: StreamReader, writer: StreamWriter) {
    const first = await reader.readLine();
    if (dec(first) === JSON.stringify("idle?\n")) {
      const t0 = getRunningLoop().time();
      const s = await moveOnAfter(200, () => reader.readLine());
      note(`server: idle read caught=${s.caught} ${took(t0, 200)}`);
      writer.write("idle-timeout\n");
      await writer.drain();
      return;
    }
    writer.write("hello\n");
    await writer.drain();
    const line = await reader.readLine();
    note(`server: got ${dec(line)}`);
    writer.write("ok\n");
    await writer.drain();
  }

  return (async () => {
    await using server = await startServer(handler, {
      hostname: "127.0.0.1",
      port: 0,
    });
    {
      const [reader, writer] = await openConnection({
        hostname: "127.0.0.1",
        port: server.port,
      });
      writer.write("hi\n");
      note(`client: got ${dec(await reader.readLine())}`);

      let t0 = getRunningLoop().time();
      const s = await moveOnAfter(200, async () => {
        await reader.readLine();
        note("client: not reached");
      });
      note(`client: move_on_after read caught=${s.caught} ${took(t0, 200)}`);

      t0 = getRunningLoop().time();
      try {
        await timeout(200, () => reader.readLine());
      } catch (e) {
        note(`client: fail_after read raised ${ename(e)} ${took(t0, 200)}`);
      }

      writer.write("bye\n");
      note(`client: got ${dec(await reader.readLine())} (nothing lost)`);
      let eof = false;
      const s2 = await moveOnAfter(5000, async () => {
        eof = (await reader.read(1024)).length === 0;
      });
      note(`client: eof=${eof} timed out=${s2.caught}`);
      writer.close();
      await writer.waitClosed();
    }
    {
      const [reader, writer] = await openConnection({
        hostname: "127.0.0.1",
        port: server.port,
      });
      writer.write("idle?\n");
      const s = await moveOnAfter(5000, async () => {
        note(`client: got ${dec(await reader.readLine())}`);
        note(`client: then ${dec(await reader.readLine())}`);
      });
      note(`client: timed out=${s.caught}`);
      writer.close();
      await writer.waitClosed();
    }
  })().finally(() => note("done"));
}

if (import.meta.main) console.log((await main(program, false)).join("\n"));

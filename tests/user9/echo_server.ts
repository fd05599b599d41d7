// aio port of echo_server.py: prints its port on stderr, events on stdout.
import {
  IncompleteReadError,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";
import { startServer } from "@aio/asyncio/io";
import { run } from "@aio/asyncio/task";
import { Event } from "@aio/asyncio/sync";
import { py, typeName } from "./_log.ts";

const dec = new TextDecoder();
const log = (msg: string) => console.log(msg);

await run(async () => {
  const stop = new Event();
  let count = 0;

  const handle = async (reader: StreamReader, writer: StreamWriter) => {
    const me = ++count;
    const host = (writer.remoteAddr as Deno.NetAddr).hostname;
    log(`[${me}] connection from ${host}`);
    let shutdown = false;
    try {
      while (true) {
        const line = await reader.readLine();
        if (line.length === 0) {
          log(`[${me}] eof`);
          break;
        }
        const text = dec.decode(line).replace(/\n$/, "");
        if (text.startsWith("BIN ")) {
          const n = Number(text.slice(4));
          let data: Uint8Array;
          try {
            data = await reader.readExactly(n);
          } catch (e) {
            if (!(e instanceof IncompleteReadError)) throw e;
            log(
              `[${me}] ${typeName(e)} partial=${
                dec.decode(e.partial)
              } expected=${e.expected}`,
            );
            writer.write(`incomplete ${e.partial.length}/${e.expected}\n`);
            await writer.drain();
            continue;
          }
          log(`[${me}] bin ${n} ${dec.decode(data)}`);
          writer.write(`got ${n} ${dec.decode(data)}\n`);
        } else if (text.startsWith("BULK ")) {
          const n = Number(text.slice(5));
          const data = await reader.readExactly(n);
          let sum = 0;
          for (const b of data) sum = (sum + b) % 2 ** 32;
          log(`[${me}] bulk ${n} sum=${sum}`);
          writer.write(`bulk ${n} sum=${sum}\n`);
        } else if (text === "SHUTDOWN") {
          log(`[${me}] shutdown requested`);
          writer.write("bye\n");
          shutdown = true;
          break;
        } else {
          log(`[${me}] line ${text}`);
          writer.write(`echo ${text}\n`);
        }
        await writer.drain();
      }
    } finally {
      writer.close();
      await writer.waitClosed();
      log(`[${me}] handler closed`);
      if (shutdown) stop.set();
    }
  };

  const server = await startServer(handle, { hostname: "127.0.0.1", port: 0 });
  console.error(`PORT ${server.port}`);
  log("serving");
  await stop.wait();
  server.close();
  await server.waitClosed();
  log(`server closed serving=${py(server.isServing())}`);
});

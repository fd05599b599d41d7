// aio port of echo_client.py.
import { IncompleteReadError, openConnection } from "@aio/asyncio/io";
import { run } from "@aio/asyncio/task";
import { py, typeName } from "./_log.ts";

const dec = new TextDecoder();
const log = (msg: string) => console.log(msg);
const text = (b: Uint8Array) => dec.decode(b).trimEnd();

async function sessionOne(port: number): Promise<void> {
  const [reader, writer] = await openConnection({
    hostname: "127.0.0.1",
    port,
  });
  writer.write("hello\n");
  await writer.drain();
  log(`1 ${text(await reader.readLine())}`);

  writer.write("BIN 5\nabcde");
  await writer.drain();
  log(`1 ${text(await reader.readLine())}`);

  const n = 1 << 20;
  writer.write(`BULK ${n}\n`);
  const bulk = new Uint8Array(n);
  for (let i = 0; i < n; i++) bulk[i] = i % 251;
  writer.write(bulk);
  await writer.drain();
  log(`1 ${text(await reader.readLine())}`);

  writer.write("BIN 10\nxyz");
  log(`1 can_write_eof=${py(writer.canWriteEof())}`);
  writer.writeEof();
  log(`1 ${text(await reader.readLine())}`);
  const rest = await reader.read();
  log(
    `1 read() after eof -> ${rest.length} bytes at_eof=${py(reader.atEof())}`,
  );
  try {
    await reader.readExactly(4);
  } catch (e) {
    if (!(e instanceof IncompleteReadError)) throw e;
    log(
      `1 ${typeName(e)} partial=${e.partial.length} expected=${e.expected}`,
    );
  }
  writer.close();
  await writer.waitClosed();
  log("1 closed");
}

async function sessionTwo(port: number): Promise<void> {
  const [reader, writer] = await openConnection({
    hostname: "127.0.0.1",
    port,
  });
  writer.write("SHUTDOWN\n");
  await writer.drain();
  log(`2 ${text(await reader.readLine())}`);
  log(`2 then ${(await reader.readLine()).length} bytes`);
  writer.close();
  await writer.waitClosed();
  log("2 closed");
}

await run(async () => {
  const port = Number(Deno.args[0]);
  await sessionOne(port);
  await sessionTwo(port);
});

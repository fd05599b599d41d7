/**
 * The client side of the `idle` workload, in its own process so that its
 * memory is not counted: `deno run --allow-net=127.0.0.1
 * bench/_idle_client.ts <port> <n>` opens `n` connections to
 * `127.0.0.1:<port>`, sends `hello\n` on each and reads the echo, prints
 * `ready`, then holds them open until its stdin ends, and closes them all.
 *
 * `bench/py/_idle_client.py` does the same for the asyncio server.
 *
 * @module
 */

const [port, n] = Deno.args.map(Number);
if (!Number.isInteger(port) || !Number.isInteger(n)) {
  throw new TypeError("Usage: _idle_client.ts <port> <n>");
}
const hello = new TextEncoder().encode("hello\n");
const conns: Deno.TcpConn[] = [];
const BATCH = 100;

async function open(): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: port! });
  await conn.write(hello);
  const back = new Uint8Array(hello.length);
  let got = 0;
  while (got < back.length) {
    const r = await conn.read(back.subarray(got));
    if (r === null) throw new Error("EOF before the echo");
    got += r;
  }
  if (new TextDecoder().decode(back) !== "hello\n") {
    throw new Error("Wrong echo");
  }
  return conn;
}

for (let i = 0; i < n!; i += BATCH) {
  const batch = Math.min(BATCH, n! - i);
  conns.push(...await Promise.all(Array.from({ length: batch }, open)));
}
console.log("ready");
for await (const _ of Deno.stdin.readable) {
  // Hold the connections until stdin ends.
}
for (const conn of conns) conn.close();

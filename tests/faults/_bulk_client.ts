/**
 * The client side of `_idle_after_bulk_server.ts`, in its own process so
 * that its memory is not counted: `deno run --allow-net=127.0.0.1
 * _bulk_client.ts <port> <n> <size>` opens `n` connections to
 * `127.0.0.1:<port>`, writes `size` bytes on each, prints `ready`, then
 * holds them open until its stdin ends, and closes them all.
 *
 * @module
 */

const [port, n, size] = Deno.args.map(Number) as [number, number, number];
const data = new Uint8Array(size).fill(120);
const conns: Deno.TcpConn[] = [];
for (let i = 0; i < n; i++) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let at = 0;
  while (at < size) at += await conn.write(data.subarray(at));
  conns.push(conn);
}
console.log("ready");
for await (const _ of Deno.stdin.readable) {
  // Hold the connections until stdin ends.
}
for (const conn of conns) conn.close();

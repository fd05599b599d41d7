/**
 * The Deno limit behind `tls_close_mid_handshake_test.ts`, without aio:
 * `deno run --allow-net=127.0.0.1 --allow-read tests/faults/_tls_close_raw.ts`
 *
 * A `Deno.TlsConn` closed before its handshake finished keeps its socket
 * open until the peer sends something or hangs up. Deno (2.9.6, crate
 * `rustls-tokio-stream`) runs the handshake in a task of its own that holds
 * the TCP stream; dropping the `TlsConn` spawns a task that waits for that
 * handshake to end, and nothing aborts it: no timeout, no API. Each case
 * below gives up on the connection in another way that Deno's API offers,
 * then prints what the peer's next read sees within `BOUND` ms: `still
 * open` for every one of them. The last two lines show the peer acting
 * (junk bytes, or its own half-close): the socket then ends at once.
 *
 * What was tried, on the server side (`Deno.listenTls`, a client that never
 * sends a ClientHello) and on the client side (`Deno.startTls` to a peer
 * that takes the ClientHello and never answers): `close()`; `close()` with
 * `handshake()`, `read()` or `write()` pending (they reject with
 * `Interrupted`, the socket stays); `closeWrite()` (waits for the
 * handshake); `readable.cancel()`, `writable.abort()`; and, for
 * `startTls()`, `close()` of the original `TcpConn` (its resource is gone:
 * `BadResource`). `Deno.TlsConn` has no other method, and Deno exposes no
 * descriptor or socket option (`SO_LINGER`, `shutdown(SHUT_RD)`) that
 * would wake the handshake. (`node:tls` over `node:net`, a separate TLS
 * stack in Deno 2.9, does close: `TLSSocket.destroy()` mid-handshake ends
 * the peer's read at once. aio's streams are built on `Deno.Conn`.)
 *
 * @module
 */

const BOUND = 1_000;
const dir = new URL("../../io/testdata/", import.meta.url);
const cert = await Deno.readTextFile(new URL("cert.pem", dir));
const key = await Deno.readTextFile(new URL("key.pem", dir));
const junk = new TextEncoder().encode("not a TLS record\n");

/** What the peer's reads see: the end of the connection, or nothing. */
async function peerSees(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(4_096);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`still open after ${BOUND} ms`), BOUND);
  });
  const reads = (async () => {
    try {
      while (await conn.read(buf) !== null) {
        // An alert, if the peer acted: read on to the end.
      }
      return "closed (EOF)";
    } catch (error) {
      return `closed (${(error as Error).name})`;
    }
  })();
  try {
    return await Promise.race([bound, reads]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ignores the rejection of an operation the close interrupts. */
function pending(p: Promise<unknown>): void {
  p.catch(() => {});
}

type GiveUp = (tls: Deno.TlsConn, tcp?: Deno.TcpConn) => Promise<void>;

const ways: Record<string, GiveUp> = {
  "close()": async (tls) => tls.close(),
  "handshake() pending, close()": async (tls) => {
    pending(tls.handshake());
    tls.close();
  },
  "read() pending, close()": async (tls) => {
    pending(tls.read(new Uint8Array(16)));
    tls.close();
  },
  "write() pending, close()": async (tls) => {
    pending(tls.write(new Uint8Array(16)));
    tls.close();
  },
  "closeWrite() (never settles), close()": async (tls) => {
    pending(tls.closeWrite());
    tls.close();
  },
  "readable.cancel(), writable.abort()": async (tls) => {
    await tls.readable.cancel();
    await tls.writable.abort().catch(() => {});
  },
};

/** A TLS server's accepted connection whose client stays silent. */
async function serverCase(giveUp: GiveUp, act?: GiveUp): Promise<string> {
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert,
    key,
  });
  const client = await Deno.connect({
    hostname: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
  });
  const conn = await listener.accept();
  listener.close();
  try {
    await giveUp(conn);
    await act?.(conn, client);
    return await peerSees(client);
  } finally {
    client.close();
  }
}

/** A `startTls()` whose peer took the ClientHello and stalls. */
async function clientCase(giveUp: GiveUp, act?: GiveUp): Promise<string> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const tcp = await Deno.connect({
    hostname: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
  });
  const peer = await listener.accept();
  listener.close();
  try {
    const tls = await Deno.startTls(tcp, { hostname: "localhost" });
    pending(tls.handshake());
    await peer.read(new Uint8Array(4_096)); // The ClientHello.
    await giveUp(tls, tcp);
    await act?.(tls, peer as Deno.TcpConn);
    return await peerSees(peer);
  } finally {
    peer.close();
  }
}

console.log(`Deno ${Deno.version.deno}`);
for (const [name, giveUp] of Object.entries(ways)) {
  console.log(`server, ${name}: ${await serverCase(giveUp)}`);
  console.log(`startTls, ${name}: ${await clientCase(giveUp)}`);
}
console.log(
  `startTls, close() of the original TcpConn, then of the TlsConn: ${await clientCase(
    async (tls, tcp) => {
      try {
        tcp!.close();
      } catch (error) {
        console.log(`  (TcpConn.close(): ${(error as Error).name})`);
      }
      tls.close();
    },
  )}`,
);
const closeIt: GiveUp = async (tls) => tls.close();
console.log(
  `server, close(), then the peer sends junk: ${await serverCase(
    closeIt,
    async (_, peer) => void await peer!.write(junk),
  )}`,
);
console.log(
  `startTls, close(), then the peer half-closes: ${await clientCase(
    closeIt,
    async (_, peer) => await peer!.closeWrite(),
  )}`,
);

/**
 * `createDatagramEndpoint`: a UDP socket as a {@linkcode DatagramEndpoint}.
 *
 * @module
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import { runInScope } from "../task/scope_future.ts";
import { checkAddress, checkPort, isLoopback } from "./_net.ts";
import { hostCall } from "./_wait.ts";
import { type DatagramAddress, DatagramEndpoint } from "./datagram_endpoint.ts";

/** Options for {@linkcode createDatagramEndpoint}. */
export interface CreateDatagramEndpointOptions {
  /**
   * The local address to bind. The hostname defaults to loopback
   * (`127.0.0.1`, or `::1` for an IPv6 loopback peer) unless `remoteAddr`
   * is elsewhere, then to every interface (`0.0.0.0`, or `::`); asyncio
   * leaves an endpoint without one unbound until it sends. The port
   * defaults to `0`: one the system picks (see `ep.localAddr`).
   *
   * @default {{ hostname: "127.0.0.1", port: 0 }}
   */
  localAddr?: { hostname?: string; port?: number };
  /**
   * Connect the endpoint to this peer: `send()` without an address goes
   * there, and datagrams from elsewhere are dropped.
   *
   * @default {undefined}
   */
  remoteAddr?: DatagramAddress;
  /**
   * Bind even if another socket has the address (`SO_REUSEADDR`).
   *
   * @default {false}
   */
  reuseAddress?: boolean;
  /** Aborting it rejects at once (binding itself does not wait). */
  signal?: AbortSignal;
}

/** `Deno.listenDatagram`, which Deno 2.9 has only with `--unstable-net`. */
type ListenDatagram = (
  options: Deno.UdpListenOptions & { transport: "udp" },
) => Deno.DatagramConn;

/**
 * Opens a UDP endpoint, as asyncio's `loop.create_datagram_endpoint()`, but
 * without a protocol object: `send()`, `await recv()`, `for await`.
 *
 * **Needs `--unstable-net`**: Deno 2.9 offers UDP (`Deno.listenDatagram`)
 * only behind that flag (or `"unstable": ["net"]` in `deno.json`); without
 * it this throws an error that says so. Binding needs `--allow-net` for the
 * local address.
 *
 * **Cancellation**: nothing waits: the promise returned is a library
 * future that is done at once, so `waitFor()` and `gather()` hand the
 * endpoint over rather than leaving it bound for nobody. A pre-aborted
 * `signal` rejects it and opens nothing; so does any other error.
 *
 * @param options Local and remote addresses, address reuse, signal.
 * @returns The endpoint.
 * @throws {Error} Without `--unstable-net`.
 * @throws {Deno.errors.AddrInUse} If the local address is taken.
 * @throws {TypeError} If `remoteAddr` is not `{ hostname, port }` with a
 * string hostname and a numeric port, or a port is not a number.
 * @throws {RangeError} If a port of `localAddr` or `remoteAddr` is not an
 * integer from 0 to 65535 (nothing is bound).
 *
 * @example An echo over UDP
 * ```ts
 * // Needs --unstable-net (Deno 2.9).
 * import { createDatagramEndpoint } from "@aio/asyncio/io";
 * import { createTask, run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const replies = await run(async () => {
 *   await using server = await createDatagramEndpoint();
 *   createTask(async () => {
 *     for await (const { data, addr } of server) await server.send(data, addr);
 *   });
 *   await using client = await createDatagramEndpoint({
 *     remoteAddr: server.localAddr,
 *   });
 *   const replies: string[] = [];
 *   for (const word of ["one", "two"]) {
 *     await client.send(word);
 *     replies.push(new TextDecoder().decode((await client.recv()).data));
 *   }
 *   return replies;
 * });
 * assert.deepEqual(replies, ["one", "two"]);
 * ```
 */
export function createDatagramEndpoint(
  options?: CreateDatagramEndpointOptions,
): Promise<DatagramEndpoint> {
  return runInScope(() => bind(options), "createDatagramEndpoint");
}

function bind(options?: CreateDatagramEndpointOptions): DatagramEndpoint {
  throwIfAborted(options?.signal);
  const listen = (Deno as { listenDatagram?: ListenDatagram }).listenDatagram;
  if (typeof listen !== "function") {
    throw new Error(
      'Cannot call createDatagramEndpoint(): Deno.listenDatagram is unstable; run with --unstable-net (or add "unstable": ["net"] to deno.json)',
    );
  }
  const remote = options?.remoteAddr;
  const action = "call createDatagramEndpoint()";
  if (remote !== undefined) checkAddress(remote, "remoteAddr", action);
  const port = options?.localAddr?.port ?? 0;
  checkPort(port, "localAddr.port", action);
  const v6 = remote?.hostname.includes(":") ?? false;
  const hostname = options?.localAddr?.hostname ??
    (remote === undefined || isLoopback(remote.hostname)
      ? (v6 ? "::1" : "127.0.0.1")
      : (v6 ? "::" : "0.0.0.0"));
  const conn = hostCall(() =>
    listen({
      transport: "udp",
      hostname,
      port,
      ...(options?.reuseAddress !== undefined
        ? { reuseAddress: options?.reuseAddress }
        : {}),
    })
  );
  return new DatagramEndpoint(
    conn,
    remote !== undefined ? { remoteAddr: remote } : {},
  );
}

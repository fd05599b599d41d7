import { setImmediate } from "node:timers";

/**
 * Resolves after the host has had a turn: the microtask queue drains and
 * completions the host already holds (file ops, Worker messages) are
 * delivered first.
 *
 * `setImmediate` is used because `setTimeout(0)` is clamped to a millisecond
 * or more in Deno, and a `MessageChannel` is a resource that keeps the
 * process alive (measured here: 7 µs per `setImmediate`, 13 µs per
 * `MessageChannel` hop, 2 ms per `setTimeout(0)`). But such a turn does not
 * poll the sockets: see {@linkcode hostPark}.
 */
export function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Resolves after the host has waited for I/O: the sockets are polled, so
 * the data that arrived, new connections and host timers are delivered.
 *
 * Deno polls sockets when its runtime has nothing to run, or once every 61
 * of its turns otherwise: a loop that always has work and yields with
 * `setImmediate` saw a socket read 61 turns late (measured: 61
 * `setImmediate` hops, against one `setTimeout(0)`), about 250 ms at one
 * turn per 4 ms of work. A `setTimeout(0)` leaves the runtime nothing to
 * run for a millisecond or two, so it polls; it costs that long, so the
 * loop spends it rarely (`PARK_EVERY_MS`).
 */
export function hostPark(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Private: address helpers of the io module. */

import { describeArgument } from "../loop/describe_value.ts";

/** Four dotted parts of digits: IPv4 as the resolver reads it, not a name. */
const DOTTED_QUAD = /^\d+(\.\d+){3}$/;

/** Whether `host` is an IPv4 or IPv6 address rather than a name. */
export function isIpLiteral(host: string): boolean {
  return DOTTED_QUAD.test(host) || host.includes(":");
}

/**
 * Whether `host` is a loopback address or `localhost`, however it is
 * spelled (`::1`, `[::1]`, `0:0:0:0:0:0:0:1`, `127.0.0.1`, `0177.0.0.1`).
 * An IPv4-mapped one (`::ffff:127.0.0.1`) is not taken for it: that peer is
 * reached from a socket bound to `::`, not `::1`.
 */
export function isLoopback(host: string): boolean {
  // A short form (`127.1`) has no key, but is loopback all the same.
  return host === "localhost" || /^127\./.test(ipv4Key(host) ?? host) ||
    ipv6Key(unbracket(host)) === IPV6_LOOPBACK;
}

/** `::1` as {@linkcode addressKey} spells it. */
export const IPV6_LOOPBACK = "0:0:0:0:0:0:0:1";

/**
 * The same text for every spelling of an IP address, or `null` for what is
 * not one: IPv6 as its eight groups (`::0:1`, `[::1]` and `0:0:0:0:0:0:0:1`
 * give `0:0:0:0:0:0:0:1`; hex in lower case), an IPv4-mapped IPv6 address
 * as its IPv4 address (a socket bound to `::` reports an IPv4 peer so),
 * IPv4 as plain decimal (`127.000.000.001` gives `127.0.0.1`). Deno reports
 * a sender in one spelling; a caller may name it in another.
 */
export function addressKey(host: string): string | null {
  const v4 = ipv4Key(host);
  if (v4 !== null) return v4;
  const key = ipv6Key(unbracket(host));
  const mapped = key?.match(/^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/);
  if (mapped == null) return key;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/**
 * Four dotted parts as the system resolver (`inet_aton`), and so Deno,
 * reads them: a part with a leading 0 is octal (`010` is 8, `08` is not an
 * address), any other decimal. `null` if `host` is not such an address.
 */
function ipv4Key(host: string): string | null {
  if (!DOTTED_QUAD.test(host)) return null;
  const bytes = host.split(".").map((part) =>
    /^0\d/.test(part)
      ? (/^[0-7]+$/.test(part) ? parseInt(part, 8) : NaN)
      : Number(part)
  );
  return bytes.every((byte) => byte <= 255) ? bytes.join(".") : null;
}

/**
 * `host` without the brackets of a URL's IPv6 host (`[::1]`, what
 * `new URL("udp://[::1]:53").hostname` gives): Deno takes either form.
 */
function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** An IPv6 address as its eight groups in hex, or `null` if it is not one. */
function ipv6Key(host: string): string | null {
  if (!host.includes(":")) return null;
  // A zone (`fe80::1%eth0`) stays as it is.
  const zoneAt = host.indexOf("%");
  const address = zoneAt === -1 ? host : host.slice(0, zoneAt);
  const zone = zoneAt === -1 ? "" : host.slice(zoneAt);
  // An IPv4 tail (`::ffff:127.0.0.1`) is the last two groups.
  let text = address;
  const v4 = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4 !== null) {
    const bytes = v4.slice(2).map(Number);
    if (bytes.some((byte) => byte > 255)) return null;
    const group = (i: number) =>
      ((bytes[i]! << 8) | bytes[i + 1]!).toString(16);
    text = `${v4[1]}${group(0)}:${group(2)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...Array(missing).fill("0"), ...tail].join(":") + zone;
}

/** The groups of one side of `::`, as hex without leading zeros. */
function groups(text: string): string[] | null {
  if (text === "") return [];
  const out: string[] = [];
  for (const group of text.split(":")) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    out.push(parseInt(group, 16).toString(16));
  }
  return out;
}

/**
 * Checks a port given to a UDP call: Deno's `DatagramConn.send()` saturates
 * it to 16 bits (70000 goes to 65535, 1.5 to 1), so a bad one would reach
 * another service.
 *
 * @param port The port.
 * @param what What it is, for the message: `port`, `remoteAddr.port`.
 * @param action The call: `call send()`.
 */
export function checkPort(port: unknown, what: string, action: string): void {
  if (typeof port !== "number") {
    throw new TypeError(
      `Cannot ${action}: ${what} must be a number, got ${
        describeArgument(port)
      }`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(
      `Cannot ${action}: ${what} must be an integer from 0 to 65535, got ${
        describeArgument(port)
      }`,
    );
  }
}

/**
 * Checks an address given to a UDP call (`send()`'s, `remoteAddr`): an
 * object with a string `hostname` and a port as {@linkcode checkPort}
 * wants.
 *
 * @param addr The address.
 * @param what What it is, for the message: `addr`, `remoteAddr`.
 * @param action The call: `call send()`.
 */
export function checkAddress(
  addr: unknown,
  what: string,
  action: string,
): void {
  if (typeof addr !== "object" || addr === null) {
    throw new TypeError(
      `Cannot ${action}: ${what} must be { hostname, port }, got ${
        describeArgument(addr)
      }`,
    );
  }
  const { hostname, port } = addr as { hostname?: unknown; port?: unknown };
  if (typeof hostname !== "string") {
    throw new TypeError(
      `Cannot ${action}: ${what}.hostname must be a string, got ${
        describeArgument(hostname)
      }`,
    );
  }
  checkPort(port, `${what}.port`, action);
}

/** Private: address helpers of the io module. */

/** Whether `host` is an IPv4 or IPv6 address rather than a name. */
export function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

/** Whether `host` is a loopback address or `localhost`. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

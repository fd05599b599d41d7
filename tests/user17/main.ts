/**
 * The forwarder as a program.
 *
 *   deno run -A --unstable-net main.ts --upstream 127.0.0.1:5301 [--upstream ...]
 *     [--port 0] [--http-port 0] [--timeout-ms 2000] [--shutdown-ms 1000]
 *
 * Prints one JSON line {"dns":port,"http":port} once listening; SIGTERM
 * shuts down gracefully (in-flight queries answered or SERVFAIL by the deadline).
 */
import { Event, run } from "../../mod.ts";
import { Forwarder } from "./forwarder.ts";
import { UdpTransport, type UpstreamAddr } from "./transport.ts";

function parseUpstream(s: string): UpstreamAddr {
  const [host, port, tcpPort] = s.split(":");
  return {
    hostname: host!, // split() always returns at least one element
    port: Number(port),
    tcpPort: tcpPort ? Number(tcpPort) : undefined,
  };
}

export async function main(argv: string[]): Promise<number> {
  const args: Record<string, string> = {
    port: "0",
    "http-port": "0",
    "timeout-ms": "2000",
    "shutdown-ms": "1000",
  };
  const upstreams: UpstreamAddr[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!.replace(/^--/, ""); // i < argv.length
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`missing value for --${flag}`);
    if (flag === "upstream") upstreams.push(parseUpstream(value));
    else args[flag] = value;
  }
  if (upstreams.length === 0) {
    console.error("need at least one --upstream host:port[:tcpport]");
    return 2;
  }
  return await run(async () => {
    const transport = await UdpTransport.open(upstreams);
    const fwd = await Forwarder.start(transport, {
      port: Number(args.port),
      timeoutMs: Number(args["timeout-ms"]),
      rateLimit: args.rate
        ? { perSecond: Number(args.rate), burst: Number(args.rate) }
        : undefined,
    });
    const stop = new Event();
    const onTerm = () => stop.set();
    Deno.addSignalListener("SIGTERM", onTerm);
    const http = Deno.serve({
      hostname: "127.0.0.1",
      port: Number(args["http-port"]),
      onListen: () => {},
    }, (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/stats") {
        return Response.json({
          ...fwd.stats,
          ...transport.counters,
          upstreamPending: transport.pendingCount,
        });
      }
      if (url.pathname === "/healthz") return new Response("ok\n");
      return new Response("not found\n", { status: 404 });
    });
    console.log(JSON.stringify({ dns: fwd.port, http: http.addr.port }));
    try {
      await stop.wait();
    } finally {
      Deno.removeSignalListener("SIGTERM", onTerm);
      const result = await fwd.shutdown(Number(args["shutdown-ms"]));
      await http.shutdown();
      console.error(`shutdown: ${JSON.stringify(result)}`);
    }
    return 0;
  });
}

if (import.meta.main) Deno.exit(await main(Deno.args));

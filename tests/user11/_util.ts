// Helpers for the user11 tests: a raw HTTP/1.1 response reader on aio
// streams, and a route that sleeps on aio's clock.
import type { StreamReader } from "@aio/asyncio/io";
import { IncompleteReadError } from "@aio/asyncio/io";
import { sleep } from "@aio/asyncio/task";
import type { Event } from "@aio/asyncio/sync";
import type { HttpResponse, RouteHandler } from "./http_server.ts";

const dec = new TextDecoder();

export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** Reads one response (Content-Length bodies); null at a clean EOF. */
export async function readResponse(
  reader: StreamReader,
): Promise<RawResponse | null> {
  let head: Uint8Array;
  try {
    head = await reader.readUntil("\r\n\r\n");
  } catch (e) {
    if (e instanceof IncompleteReadError && e.partial.length === 0) return null;
    throw e;
  }
  const lines = dec.decode(head).split("\r\n");
  const status = Number(lines[0]!.split(" ")[1]);
  const headers = new Headers();
  for (const l of lines.slice(1)) {
    if (l === "") continue;
    const i = l.indexOf(":");
    headers.append(l.slice(0, i), l.slice(i + 1).trim());
  }
  if (status === 100) return readResponse(reader);
  const n = Number(headers.get("content-length") ?? "0");
  const body = dec.decode(await reader.readExactly(n));
  return { status, headers, body };
}

/** `/sleep?ms=N&name=x`: sleeps on aio's clock; records start/end/cancel. */
export function sleepRoute(
  log: string[],
  started?: Event,
  startedAll?: { n: number; event: Event },
): RouteHandler {
  return async (req): Promise<HttpResponse> => {
    const ms = Number(req.url.searchParams.get("ms") ?? "0");
    const name = req.url.searchParams.get("name") ?? "";
    log.push(`start ${name}`);
    started?.set();
    if (
      startedAll &&
      log.filter((l) => l.startsWith("start")).length >= startedAll.n
    ) {
      startedAll.event.set();
    }
    try {
      await sleep(ms);
    } catch (e) {
      log.push(`cancelled ${name}`);
      throw e;
    }
    log.push(`end ${name}`);
    return { status: 200, body: `slept ${name}\n` };
  };
}

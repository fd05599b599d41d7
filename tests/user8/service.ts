/**
 * The crawl service: starts the origin, crawls it, and always closes it,
 * whatever ends the crawl (done, deadline, stop, cancellation).
 */

import { crawl, type CrawlOptions, type CrawlReport } from "./crawler.ts";
import { type Origin, type OriginOptions, startOrigin } from "./origin.ts";

export interface ServiceOptions extends Omit<CrawlOptions, "start"> {
  origin?: OriginOptions;
  /** Path to start from. */
  startPath?: string;
  log?: string[];
  onOrigin?: (origin: Origin) => void;
}

export async function crawlService(
  options: ServiceOptions = {},
): Promise<CrawlReport> {
  const { origin: originOptions, startPath = "/", log = [], onOrigin } =
    options;
  const origin = await startOrigin(originOptions);
  log.push("origin started");
  onOrigin?.(origin);
  try {
    return await crawl({
      ...options,
      start: new URL(startPath, origin.url).href,
    });
  } finally {
    log.push("closing origin");
    await origin.close();
    log.push("origin closed");
  }
}

/**
 * Link extraction for `sitecheck.ts`, run in a Worker by `runInExecutor()`.
 *
 * @module
 */

/** The links of an HTML page, resolved against `base`. */
export interface Links {
  /** `<a href>` targets on the same origin, without fragments. */
  pages: string[];
  /** `<img src>` / `<script src>` targets, any origin. */
  assets: string[];
}

/** Extracts the links of `html`. Throws on a page marked `<!-- poison -->`. */
export function extractLinks(html: string, base: string): Links {
  if (html.includes("<!-- poison -->")) {
    throw new SyntaxError(`cannot parse ${base}`);
  }
  const origin = new URL(base).origin;
  const pages = new Set<string>();
  const assets = new Set<string>();
  for (const m of html.matchAll(/<a\s+href="([^"]*)"/g)) {
    const u = new URL(m[1]!, base);
    u.hash = "";
    if (u.origin === origin) pages.add(u.href);
  }
  for (const m of html.matchAll(/<(?:img|script)\s+src="([^"]*)"/g)) {
    assets.add(new URL(m[1]!, base).href);
  }
  return { pages: [...pages], assets: [...assets] };
}

/**
 * Private helpers of the io module: turning a `file:` URL into the path the
 * host would use, and normalizing a path as Deno does before a spawn.
 *
 * @module
 */

/**
 * The POSIX path of a `file:` URL, decoded as Deno's own APIs decode it
 * (`pathFromURL` in Deno's runtime, `fromFileUrl` in std): `%20` is a
 * space, `%C3%BC` a `ü`; a `%` not followed by two hex digits stays as it
 * is. A string is returned unchanged. Windows paths (drive letters, UNC
 * hosts) are not handled: the callers run on POSIX only.
 *
 * @param path A path, or a `file:` URL.
 * @returns The path.
 * @throws {TypeError} If the URL is not a `file:` URL or has a host, with
 * Deno's messages.
 */
export function pathFromUrl(path: string | URL): string {
  if (!(path instanceof URL)) return path;
  if (path.protocol !== "file:") throw new TypeError("Must be a file URL");
  if (path.host !== "") throw new TypeError("Host must be empty");
  return decodeURIComponent(
    path.pathname.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"),
  );
}

/**
 * `path` normalized lexically, as Deno normalizes a program's path before
 * it spawns it (and names it in the error): `.` and empty parts dropped,
 * `..` removing the part before it, no trailing slash. Symbolic links are
 * not followed. A relative path keeps its leading `..` parts (`.` if
 * nothing is left).
 *
 * @param path The path.
 * @returns The normalized path.
 */
export function normalizePath(path: string): string {
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") parts.push(part);
    else if (parts.length > 0 && parts.at(-1) !== "..") parts.pop();
    else if (!absolute) parts.push("..");
  }
  const joined = parts.join("/");
  return absolute ? `/${joined}` : joined === "" ? "." : joined;
}

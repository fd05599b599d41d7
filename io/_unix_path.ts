/**
 * Private helpers of the io module: who owns a Unix socket's path.
 *
 * Two facts shape them:
 *
 * - A server that took a path over (a restart, a reload: `startUnixServer()`
 *   removes a socket file already there) owns it from then on. The old
 *   server, closing, must leave the newcomer's file alone. CPython 3.13
 *   records the file's inode at bind and unlinks the path at close only if
 *   it is still that inode; we compare device and inode (`Deno.lstat`).
 * - Deno (since denoland/deno#31947) removes a Unix listener's path when
 *   the listener's resource is dropped, whatever file is there then: the
 *   newcomer's, or one a server with `cleanup: false` meant to keep. The
 *   drop comes with `listener.close()` when no accept is pending, else when
 *   the pending accept settles (before its rejection reaches JavaScript).
 *   So a closing server that must keep the file there gives it a second
 *   name first (a hard link beside it, {@linkcode keepAcrossDrop}) and puts
 *   it back once the listener is gone ({@linkcode restoreAfterDrop}); and a
 *   server starting on a path whose listener in this process is closing
 *   waits for that drop first ({@linkcode closingAt}), so the drop cannot
 *   take its new file.
 *
 * @module
 */

/** Which file a path named: its device and inode (`ino` null if unknown). */
export interface FileIdentity {
  dev: number;
  ino: number | null;
}

/** The identity of the file at `path` (not followed), or null if none. */
export function fileIdentity(path: string): FileIdentity | null {
  try {
    const info = Deno.lstatSync(path);
    return { dev: info.dev, ino: info.ino };
  } catch {
    // Not there, or not ours to see.
    return null;
  }
}

/**
 * Whether `now` is the file `bound` describes. Without an inode to compare
 * (a platform that reports none), a file there counts as the same.
 */
export function sameFile(
  bound: FileIdentity | null,
  now: FileIdentity | null,
): boolean {
  if (bound === null || now === null) return false;
  if (bound.ino === null || now.ino === null) return true;
  return bound.ino === now.ino && bound.dev === now.dev;
}

/**
 * Removes `path` if it still names the file `bound` describes: a server
 * that took the path over keeps its socket file.
 */
export function removeIfSame(path: string, bound: FileIdentity | null): void {
  if (!sameFile(bound, fileIdentity(path))) return;
  try {
    Deno.removeSync(path);
  } catch {
    // Gone meanwhile, or no permission: nothing to clean.
  }
}

/**
 * Before a Unix listener at `path` is closed: if the file there must stay
 * (it is another's, or `remove` is false), gives it a second name beside
 * it, so that the listener's drop removing `path` does not lose it. Returns
 * that name, or null if nothing must stay or the link failed (no write
 * permission in the directory: the file is then lost to the drop, as
 * without this).
 */
export function keepAcrossDrop(
  path: string,
  bound: FileIdentity | null,
  remove: boolean,
): string | null {
  const now = fileIdentity(path);
  if (now === null || (remove && sameFile(bound, now))) return null;
  const slash = path.lastIndexOf("/");
  const spare = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${
    crypto.randomUUID().slice(0, 8)
  }.aio-keep`;
  try {
    Deno.linkSync(path, spare);
    return spare;
  } catch {
    return null;
  }
}

/**
 * After the listener is gone: puts the file `keepAcrossDrop()` saved back at
 * `path`, unless another file took the path meanwhile (a link never
 * replaces), and removes the spare name.
 */
export function restoreAfterDrop(path: string, spare: string | null): void {
  if (spare === null) return;
  try {
    Deno.linkSync(spare, path);
  } catch {
    // Another file is there now, or the directory went away.
  }
  try {
    Deno.removeSync(spare);
  } catch {
    // Already gone.
  }
}

/** Unix listeners of this process closed and not yet dropped, by path. */
const closing = new Map<string, Set<Promise<void>>>();

/**
 * Records that the listener at `path` is closing; call the returned
 * function once it is dropped (and its path restored).
 */
export function markClosing(path: string): () => void {
  let done!: () => void;
  const dropped = new Promise<void>((resolve) => done = resolve);
  let set = closing.get(path);
  if (set === undefined) closing.set(path, set = new Set());
  set.add(dropped);
  return () => {
    set.delete(dropped);
    if (set.size === 0 && closing.get(path) === set) closing.delete(path);
    done();
  };
}

/**
 * Settles once every listener of this process closing at `path` is
 * dropped; null if none is.
 */
export function closingAt(path: string): Promise<void> | null {
  const set = closing.get(path);
  if (set === undefined || set.size === 0) return null;
  return Promise.all(set).then(() => {});
}

/**
 * Private: one `abort` listener per signal for every future that listens
 * to it (`Future.abortOn()`).
 *
 * Deno's `EventTarget` finds a listener to remove by walking the signal's
 * list, so with one listener per wait, n waits sharing a signal (a shutdown
 * signal handed to every consumer's `get()`) cost O(n) each to end, and
 * O(n²) all together when the signal aborts. Here a wait joins a set: O(1)
 * in, O(1) out, and the signal's listener goes once its last wait ended.
 *
 * @module
 */

/** What listens: a future, failed with the reason on abort if pending. */
export interface AbortTarget {
  done(): boolean;
  setException(error: unknown): void;
}

interface Listening {
  readonly targets: Set<AbortTarget>;
  readonly onAbort: () => void;
}

const listening = new WeakMap<AbortSignal, Listening>();

/** Fails `target` with `signal`'s reason once it aborts (not aborted yet). */
export function listen(signal: AbortSignal, target: AbortTarget): void {
  let entry = listening.get(signal);
  if (entry === undefined) {
    const targets = new Set<AbortTarget>();
    const onAbort = (): void => {
      listening.delete(signal);
      // Each one leaves the set as it fails (unlisten() finds no entry). One
      // that throws (a future of a closed loop) is reported as a listener's
      // error would be, and the others still fail.
      for (const t of targets) {
        if (t.done()) continue;
        try {
          t.setException(signal.reason);
        } catch (error) {
          reportError(error);
        }
      }
      targets.clear();
    };
    // Listening first: a signal whose addEventListener() throws leaves no
    // entry behind for the next wait to join without listening.
    signal.addEventListener("abort", onAbort, { once: true });
    entry = { targets, onAbort };
    listening.set(signal, entry);
  }
  entry.targets.add(target);
}

/** `target` no longer listens to `signal` (it completed). */
export function unlisten(signal: AbortSignal, target: AbortTarget): void {
  const entry = listening.get(signal);
  if (entry === undefined || !entry.targets.delete(target)) return;
  if (entry.targets.size === 0) {
    listening.delete(signal);
    signal.removeEventListener("abort", entry.onAbort);
  }
}

/** The loop whose `runForever()` is active, shared by event_loop.ts and running_loop.ts without an import cycle. */
let running: object | null = null;

export function getRunning(): object | null {
  return running;
}

export function setRunning(loop: object | null): void {
  running = loop;
}

/**
 * The job side of the service: each crawled page is handed to an external
 * indexer process (`sha256sum` by default) through stdin. `await using`
 * kills the child when the job is cancelled (a deadline, a shutdown).
 */

import { createSubprocessExec } from "@aio/asyncio/io";

export class IndexerError extends Error {
  constructor(readonly code: number | null, readonly stderr: string) {
    super(`indexer exited with ${code}: ${stderr.trim()}`);
    this.name = "IndexerError";
  }
}

export interface IndexerOptions {
  /** The command and its arguments; it reads the page on stdin. */
  cmd?: string[];
  /** Called with each child's pid once it is spawned (for tests). */
  onSpawn?: (pid: number) => void;
}

export function processIndexer(options: IndexerOptions = {}) {
  const { cmd = ["sha256sum"], onSpawn } = options;
  return async (body: string): Promise<string> => {
    await using proc = await createSubprocessExec(cmd[0]!, cmd.slice(1), {
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    });
    onSpawn?.(proc.pid);
    const [out, err] = await proc.communicate(body);
    const code = await proc.wait();
    const decode = (b: Uint8Array | null) => new TextDecoder().decode(b!);
    if (code !== 0) throw new IndexerError(code, decode(err));
    return decode(out).split(/\s/)[0]!;
  };
}

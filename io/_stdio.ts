/**
 * Private: the option `createSubprocessExec` passes to `Process` when the
 * child's stderr joins its stdout: the child's stderr pipe is then only the
 * launcher's, already read, and `proc.stderr` is `null`.
 */
export const mergedStderr: unique symbol = Symbol("aio.mergedStderr");

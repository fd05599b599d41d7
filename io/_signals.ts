/**
 * Private: signal numbers by name, so that `Process.returncode` is `-N` for
 * every signal, as in Python. Deno reports a signal by name on Linux and
 * macOS; the numbers differ between the two families.
 */

/** Linux (x86, Arm, RISC-V; Android too). */
const LINUX: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPOLL: 29,
  SIGPWR: 30,
  SIGSYS: 31,
  SIGUNUSED: 31,
};

/** macOS and the BSDs (FreeBSD adds SIGTHR and SIGLIBRT). */
const BSD: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGIOT: 6,
  SIGEMT: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGBUS: 10,
  SIGSEGV: 11,
  SIGSYS: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGURG: 16,
  SIGSTOP: 17,
  SIGTSTP: 18,
  SIGCONT: 19,
  SIGCHLD: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGIO: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGINFO: 29,
  SIGUSR1: 30,
  SIGUSR2: 31,
  SIGTHR: 32,
  SIGLIBRT: 33,
};

/** The table for `os` (`Deno.build.os`), or `null` where we have none. */
export function signalTable(
  os: string = Deno.build.os,
): Readonly<Record<string, number>> | null {
  if (os === "linux" || os === "android") return LINUX;
  if (os === "darwin" || os === "freebsd" || os === "netbsd") return BSD;
  return null;
}

/**
 * The signal number of a child that `status` says a signal ended: by the
 * name Deno gives, else from the exit code (the shell's `128 + N`, which is
 * what Deno reports for a signal it has no name for); `null` if unknown.
 */
export function signalNumber(name: string, code: number): number | null {
  const n = signalTable()?.[name];
  if (n !== undefined) return n;
  return code > 128 ? code - 128 : null;
}

/**
 * The signal number in Deno's error for a signal it cannot name (a
 * real-time signal: `TypeError: Invalid signal: 34`), else `null`.
 */
export function invalidSignal(error: unknown): number | null {
  try {
    const match = error instanceof TypeError
      ? /^Invalid signal: (\d+)$/.exec(error.message)
      : null;
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

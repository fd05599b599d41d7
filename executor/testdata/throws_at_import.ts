// Throws while being imported: the job fails with this error.
if (!("neverDefined" in globalThis)) throw new SyntaxError("broken module");

export function never(): string {
  return "unreachable";
}

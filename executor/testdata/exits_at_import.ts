// Ends its Worker while being imported: the job never gets to its export.
Deno.exit(4);

export function never(): string {
  return "unreachable";
}

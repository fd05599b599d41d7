/**
 * Runs in a `WorkerPool` Worker: the SHA-256 of a batch body, hex.
 *
 * @module
 */
export async function sha256hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

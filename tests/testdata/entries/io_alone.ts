// Imports only @aio/asyncio/io: a stream reader fed by hand.
import { IncompleteReadError, StreamReader } from "@aio/asyncio/io";

const reader = new StreamReader();
reader.feedData(new TextEncoder().encode("line\nrest"));
reader.feedEof();
const line = new TextDecoder().decode(await reader.readLine());
let partial = "";
try {
  await reader.readExactly(10);
} catch (e) {
  if (e instanceof IncompleteReadError) {
    partial = new TextDecoder().decode(e.partial);
  }
}
console.log(JSON.stringify([line, partial]));

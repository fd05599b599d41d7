/**
 * Attack round 25 (cosmetic): an argument error quotes a refused string in
 * full, however long.
 *
 * What I did: `new Queue("x".repeat(1_000_000))` (a string where a number
 * belongs — e.g. a whole request body passed by mistake), and a reader fed a
 * 64 KiB text chunk through readerFromStream().
 *
 * What happened (measured): the RangeError's message is 1,000,055
 * characters long ("Cannot create queue: maxsize must be an integer, got
 * \"xxxx…"); the readerFromStream case puts the whole 64 KiB chunk in the
 * message. Logged, that is a megabyte per error line.
 *
 * Cause: loop/describe_value.ts describeArgument() returns
 * JSON.stringify(value) for a string with no limit, while every other value
 * goes through describeValue(), which clips Deno.inspect output at 400
 * characters (MAX_INSPECT) and strAbbreviateSize: 100.
 *
 * Expected: describeValue's own rule for reports, "a short one-line
 * Deno.inspect() (depth 2, at most 400 characters)": an argument error
 * should stay short whatever the value.
 *
 * Fixed: `describeArgument()` quotes the first 100 characters and gives the
 * length.
 */

import assert from "node:assert/strict";
import { Queue } from "../../sync/mod.ts";

Deno.test("an argument error quoting a long string stays short", () => {
  let message = "";
  try {
    new Queue("x".repeat(1_000_000) as unknown as number);
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(
    message,
    /^Cannot create queue: maxsize must be an integer, got "x/,
  );
  assert.ok(message.length <= 1000, `message is ${message.length} characters`);
});

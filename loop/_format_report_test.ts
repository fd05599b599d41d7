import assert from "node:assert/strict";
import type { ExceptionContext } from "./mod.ts";
import { formatReport } from "./_format_report.ts";
import { revoked, thrower } from "./_test_util.ts";

Deno.test("formatReport() prints the message, the other fields, then the exception", () => {
  const error = new Error("inner");
  assert.equal(
    formatReport({ message: "it broke", exception: error, where: "here" }),
    `it broke\nwhere: here\n${error.stack}`,
  );
  assert.equal(formatReport({ message: "plain" }), "plain");
  assert.equal(
    formatReport({ message: "thrown undefined", exception: undefined }),
    "thrown undefined\nundefined",
  );
});

Deno.test("formatReport() prints context values by name, not as [object Object]", () => {
  class Server {
    toString(): string {
      return "Server(127.0.0.1:8080)";
    }
  }
  assert.equal(
    formatReport({ message: "m", server: new Server(), info: { port: 1 } }),
    "m\nserver: Server(127.0.0.1:8080)\ninfo: { port: 1 }",
  );
});

Deno.test("formatReport() indents the report a failing handler was given, one level deep", () => {
  const inner: ExceptionContext = {
    message: "Exception in callback Handle(f)",
    exception: "first\nsecond line",
    where: "f",
  };
  const outer: ExceptionContext = {
    message: "Unhandled error in exception handler",
    exception: "handler broke",
    context: inner,
  };
  assert.equal(
    formatReport(outer),
    "Unhandled error in exception handler\n" +
      "context: Exception in callback Handle(f)\n" +
      "  where: f\n" +
      "  first\n  second line\n" +
      "handler broke",
  );
  // A context inside the nested one is described, not expanded.
  inner.context = { message: "deeper" };
  assert.match(formatReport(outer), /\n {2}context: \{ message: "deeper" \}\n/);
});

Deno.test("formatReport() survives a context with throwing getters, a hostile message, or no object at all", () => {
  const context = {
    message: Object.create(null),
    get exploding(): never {
      return thrower();
    },
  } as unknown as ExceptionContext;
  assert.equal(
    formatReport(context),
    "[Object: null prototype] {}\n" +
      "exploding: <reading exploding threw: [Object: null prototype] {}>",
  );
  assert.match(
    formatReport(revoked({ message: "x" })),
    /^Cannot format an exception report: TypeError: Cannot perform 'ownKeys' on a proxy that has been revoked\n\s+at /,
  );
  assert.equal(
    formatReport({ message: "m", context: revoked({ message: "x" }) }),
    "m\ncontext: [unprintable object: Cannot inspect a proxy that has been revoked]",
  );
  assert.match(
    formatReport(null as unknown as ExceptionContext),
    /^Cannot format an exception report: TypeError/,
  );
});

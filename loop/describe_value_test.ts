import assert from "node:assert/strict";
import fc from "fast-check";
import { describeValue } from "./describe_value.ts";
import { Handle } from "./handle.ts";
import { hostileProxy, hostileValues, revoked, thrower } from "./_test_util.ts";

Deno.test("describeValue() returns strings as they are and primitives as String() does", () => {
  assert.equal(describeValue("plain text"), "plain text");
  assert.equal(describeValue(""), "");
  assert.equal(describeValue(42), "42");
  assert.equal(describeValue(NaN), "NaN");
  assert.equal(describeValue(true), "true");
  assert.equal(describeValue(undefined), "undefined");
  assert.equal(describeValue(null), "null");
  assert.equal(describeValue(12n), "12n");
});

Deno.test("describeValue() renders symbols, which String templates cannot", () => {
  assert.equal(describeValue(Symbol("tag")), "Symbol(tag)");
  assert.equal(describeValue(Symbol()), "Symbol()");
  assert.equal(describeValue(Symbol.iterator), "Symbol(Symbol.iterator)");
});

Deno.test("describeValue() renders null-prototype objects", () => {
  assert.equal(
    describeValue(Object.create(null)),
    "[Object: null prototype] {}",
  );
  const withFields = Object.assign(Object.create(null), { code: 7 });
  assert.equal(
    describeValue(withFields),
    "[Object: null prototype] { code: 7 }",
  );
});

Deno.test("describeValue() gives an Error's stack", () => {
  const error = new RangeError("out of range");
  assert.equal(describeValue(error), error.stack);
  assert.match(describeValue(error), /^RangeError: out of range\n\s+at /);
});

Deno.test("describeValue() gives name: message for an Error without a usable stack", () => {
  const noStack = new TypeError("bad type");
  noStack.stack = undefined;
  assert.equal(describeValue(noStack), "TypeError: bad type");
  const objectStack = new Error("odd");
  (objectStack as { stack: unknown }).stack = { not: "a string" };
  assert.equal(describeValue(objectStack), "Error: odd");
  const custom = new Error("");
  custom.name = "ParseError";
  custom.stack = "";
  assert.equal(describeValue(custom), "ParseError");
});

Deno.test("describeValue() survives an Error whose stack, message and name getters throw", () => {
  const error = new Error("hidden");
  for (const key of ["stack", "message", "name"]) {
    Object.defineProperty(error, key, { get: thrower });
  }
  const text = describeValue(error);
  assert.equal(typeof text, "string");
  assert.match(text, /Error/);
  const onlyStack = new SyntaxError("still here");
  Object.defineProperty(onlyStack, "stack", { get: thrower });
  assert.equal(describeValue(onlyStack), "SyntaxError: still here");
});

Deno.test("describeValue() survives plain objects whose stack, message and name getters throw", () => {
  const value = {
    get stack(): never {
      return thrower();
    },
    get message(): never {
      return thrower();
    },
    get name(): never {
      return thrower();
    },
  };
  assert.equal(
    describeValue(value),
    "{ stack: [Getter], message: [Getter], name: [Getter] }",
  );
});

Deno.test("describeValue() uses a value's own toString()", () => {
  class Server {
    toString(): string {
      return "Server(127.0.0.1:8080)";
    }
  }
  assert.equal(describeValue(new Server()), "Server(127.0.0.1:8080)");
  function tick(): void {}
  assert.equal(describeValue(new Handle(tick, [])), "Handle(tick)");
  const date = new Date(0);
  assert.equal(describeValue(date), date.toString());
});

Deno.test("describeValue() inspects an object whose toString() throws or returns a non-string", () => {
  assert.equal(
    describeValue({ toString: thrower }),
    "{ toString: [Function: thrower] }",
  );
  const throwingGetter = Object.defineProperty({ id: 1 }, "toString", {
    get: thrower,
    enumerable: false,
  });
  assert.equal(describeValue(throwingGetter), "{ id: 1 }");
  assert.equal(
    describeValue({ toString: () => ({}), id: 2 }),
    "{ toString: [Function: toString], id: 2 }",
  );
});

Deno.test("describeValue() inspects plain objects and arrays on one bounded line", () => {
  assert.equal(
    describeValue({ code: 42, why: "nope" }),
    '{ code: 42, why: "nope" }',
  );
  assert.equal(describeValue([1, 2, 3]), "[ 1, 2, 3 ]");
  assert.equal(
    describeValue({ a: { b: { c: { d: 1 } } } }),
    "{ a: { b: { c: [Object] } } }",
  );
  const long = describeValue(Array.from({ length: 10_000 }, (_, i) => i));
  assert.match(long, /\.\.\. 9990 more items/);
  const wide = describeValue(
    Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`key${i}`, i])),
  );
  assert.equal(wide.length, 400);
  assert.ok(wide.endsWith("…"));
  assert.ok(!wide.includes("\n"));
});

Deno.test("describeValue() renders cyclic objects", () => {
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  assert.equal(
    describeValue(cyclic),
    '<ref *1> { name: "loop", self: [Circular *1] }',
  );
  const list: unknown[] = [1];
  list.push(list);
  assert.match(describeValue(list), /Circular/);
});

Deno.test("describeValue() renders revoked proxies, on which even instanceof throws", () => {
  const proxy = revoked({});
  assert.throws(() => proxy instanceof Error, TypeError);
  assert.equal(
    describeValue(proxy),
    "[unprintable object: Cannot inspect a proxy that has been revoked]",
  );
  assert.equal(describeValue(revoked([])), describeValue(proxy));
  assert.equal(
    describeValue(revoked(function named() {})),
    "[Function (anonymous)]",
  );
});

Deno.test("describeValue() renders every hostile value of the shared list", () => {
  for (const [label, value] of hostileValues()) {
    assert.equal(typeof describeValue(value), "string", label);
  }
});

Deno.test("describeValue() renders a proxy whose every trap throws", () => {
  assert.equal(typeof describeValue(hostileProxy()), "string");
});

Deno.test("describeValue() falls back to the class name when inspecting throws", () => {
  class Opaque {
    [Symbol.for("Deno.customInspect")](): never {
      return thrower();
    }
  }
  assert.equal(describeValue(new Opaque()), "[Opaque]");
  const nullProto = Object.assign(Object.create(null), {
    [Symbol.for("Deno.customInspect")]: thrower,
  });
  assert.equal(describeValue(nullProto), "[Object: null prototype]");
  const noName = Object.create({
    get constructor(): never {
      return thrower();
    },
    [Symbol.for("Deno.customInspect")]: () => {
      throw new Error("no inspection");
    },
  });
  assert.equal(describeValue(noName), "[unprintable object: no inspection]");
});

Deno.test("describeValue() renders functions by name, even with a hostile name", () => {
  function work(): void {}
  assert.equal(describeValue(work), "[Function: work]");
  assert.equal(describeValue(() => {}), "[Function (anonymous)]");
  const hostile = Object.defineProperty(() => {}, "name", { get: thrower });
  assert.equal(describeValue(hostile), "[Function (anonymous)]");
  const symbolName = Object.defineProperty(() => {}, "name", {
    value: Symbol("n"),
  });
  assert.equal(describeValue(symbolName), "[Function (anonymous)]");
});

Deno.test("describeValue() ends a toString() that describes itself", () => {
  const selfish = {
    toString(): string {
      return `Selfish(${describeValue(this)})`;
    },
  };
  assert.equal(typeof describeValue(selfish), "string");
});

Deno.test("describeValue() is not fooled by patched built-ins", () => {
  const original = Symbol.prototype.toString;
  Symbol.prototype.toString = thrower;
  try {
    assert.equal(describeValue(Symbol("safe")), "Symbol(safe)");
  } finally {
    Symbol.prototype.toString = original;
  }
});

/** Turns a generated value into a hostile one (fast-check cannot carry them). */
const HOSTILE: Record<string, (v: unknown) => unknown> = {
  plain: (v) => v,
  revoked: (v) => typeof v === "object" && v !== null ? revoked(v) : v,
  hostileProxy: () => hostileProxy(),
  nested: (v) => ({ inner: v, list: [v], [Symbol("k")]: v }),
  nullProto: (v) => Object.assign(Object.create(null), { v }),
  throwingToString: (v) => ({ v, toString: thrower }),
  errorWithGetters: (v) => {
    const error = new Error(String(typeof v));
    for (const key of ["stack", "message", "name"]) {
      Object.defineProperty(error, key, { get: () => v });
    }
    return error;
  },
};

Deno.test("describeValue() never throws, whatever the value (property)", () => {
  const values = fc.anything({
    withNullPrototype: true,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
  });
  const kinds = fc.constantFrom(...Object.keys(HOSTILE));
  fc.assert(
    fc.property(values, kinds, kinds, (v, outer, inner) => {
      const value = HOSTILE[outer]!(HOSTILE[inner]!(v));
      return typeof describeValue(value) === "string";
    }),
    { seed: 42, numRuns: 1000 },
  );
});

Deno.test("describeValue() shows the errors inside an AggregateError, and a cause, as Deno's console does", () => {
  const group = new AggregateError(
    [new RangeError("the real cause"), Object.create(null), "text"],
    "Unhandled errors in a TaskGroup",
  );
  const text = describeValue(new Error("outer", { cause: group }));
  const lines = text.split("\n");
  assert.match(lines[0]!, /^Error: outer$/);
  assert.match(text, /\n {2}Caused by: AggregateError: Unhandled errors/);
  assert.match(text, /\n {4}\[0\] RangeError: the real cause\n {6,}at /);
  assert.match(text, /\n {4}\[1\] \[Object: null prototype\] \{\}/);
  assert.match(text, /\n {4}\[2\] text/);
});

Deno.test("describeValue() bounds nested errors: a cycle of causes ends", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  const many = new AggregateError(
    Array.from({ length: 25 }, (_, i) => new Error(`e${i}`)),
  );
  assert.equal(describeValue(b).match(/Caused by/g)?.length, 3);
  assert.match(describeValue(many), /\[9\] Error: e9[^]*\.\.\. 15 more$/);
});

/** Helpers shared by the loop module's tests. */

/** Throws a value that `String()` cannot convert. */
export function thrower(): never {
  throw Object.create(null);
}

/** A proxy that was revoked: every operation on it throws, `instanceof` too. */
export function revoked<T extends object>(target: T): T {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** A proxy whose every trap throws a null-prototype object. */
export function hostileProxy(): object {
  const traps: ProxyHandler<object> = {};
  for (
    const trap of [
      "get",
      "has",
      "ownKeys",
      "getOwnPropertyDescriptor",
      "getPrototypeOf",
      "defineProperty",
      "set",
    ] as const
  ) traps[trap] = thrower;
  return new Proxy({}, traps);
}

/**
 * Values that break `String()`, template literals, `instanceof` or property
 * reads, by label: what a hostile program can throw.
 */
export function hostileValues(): [string, unknown][] {
  const errorWithGetters = new Error("hidden");
  for (const key of ["stack", "message", "name"]) {
    Object.defineProperty(errorWithGetters, key, { get: thrower });
  }
  const cyclic: Record<string, unknown> = { name: "cycle" };
  cyclic.self = cyclic;
  return [
    ["a null-prototype object", Object.create(null)],
    ["a symbol", Symbol("thrown")],
    ["an object whose toString throws", { toString: thrower }],
    ["a revoked proxy", revoked({})],
    ["a revoked function proxy", revoked(() => {})],
    ["a proxy whose traps throw", hostileProxy()],
    ["undefined", undefined],
    ["an Error whose getters throw", errorWithGetters],
    ["an object whose stack, message and name getters throw", {
      get stack(): never {
        return thrower();
      },
      get message(): never {
        return thrower();
      },
      get name(): never {
        return thrower();
      },
    }],
    ["a cyclic object", cyclic],
  ];
}

import assert from "node:assert/strict";
import { addressKey, isLoopback } from "./_net.ts";

Deno.test("addressKey() gives every spelling of an IP address the same key", () => {
  const same = [
    ["::1", "0:0:0:0:0:0:0:1", "::0:1", "0::1", "0000::0001", "[::1]"],
    ["fe80::a:b", "FE80:0:0:0:0:0:A:B", "fe80::0:0:a:b"],
    ["::ffff:127.0.0.1", "::FFFF:7f00:1", "0:0:0:0:0:ffff:127.0.0.1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["1::", "1:0:0:0:0:0:0:0"],
    ["fe80::1%eth0", "fe80:0::1%eth0"],
    // A leading 0 makes a part octal, as for the system resolver.
    ["127.0.0.1", "127.000.000.001", "0177.0.0.01", "127.0.0.0001"],
    ["127.0.0.8", "127.0.0.010"],
    ["87.0.0.1", "0127.0.0.1"],
  ];
  for (const spellings of same) {
    const keys = new Set(spellings.map(addressKey));
    assert.equal(keys.size, 1, spellings.join(", "));
    assert.notEqual([...keys][0], null, spellings.join(", "));
  }
  assert.notEqual(addressKey("::1"), addressKey("::2"));
  assert.notEqual(addressKey("fe80::1%eth0"), addressKey("fe80::1%eth1"));
});

Deno.test("addressKey() gives null for what is not an IP address", () => {
  for (
    const host of [
      "localhost",
      "example.com",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      ":::",
      "::12345",
      "::g",
      "1:2:3:4:5:6:7::8",
      "::ffff:127.0.0.256",
      "127.0.0.256",
      "127.0.0.08",
      "127.0.0.0400",
      "[127.0.0.1]",
      "[::1",
    ]
  ) {
    assert.equal(addressKey(host), null, host);
  }
});

Deno.test("isLoopback() sees loopback however it is spelled, but not IPv4-mapped loopback", () => {
  for (
    const host of [
      "localhost",
      "127.0.0.1",
      "127.1.2.3",
      "::1",
      "0::1",
      "::0:1",
      "[::1]",
      "127.000.000.001",
      "0177.0.0.1",
    ]
  ) {
    assert.equal(isLoopback(host), true, host);
  }
  assert.equal(isLoopback("0:0:0:0:0:0:0:1"), true);
  for (
    const host of [
      "::",
      "::2",
      "10.0.0.1",
      "0127.0.0.1",
      "::ffff:127.0.0.1",
      "example",
    ]
  ) {
    assert.equal(isLoopback(host), false, host);
  }
});

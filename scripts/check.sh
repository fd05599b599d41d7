#!/bin/sh
# Every check CI runs: `npm test` and `deno task check` both call this.
# A shell script, not a deno task chain: `deno task` would resolve `deno` to
# the npm package's binary in node_modules/.bin and try to run it as a script.
set -eu
cd "$(dirname "$0")/.."
deno fmt --check
deno lint
deno check .
deno doc --lint mod.ts loop/mod.ts executor/mod.ts task/mod.ts sync/mod.ts io/mod.ts
deno test --unstable-net --allow-net=127.0.0.1,127.0.0.2,127.0.0.3,127.000.000.001,localhost,[::1],[::],unix:/tmp/aio-test-io-1.sock,unix:/tmp/aio-test-io-2.sock,unix:/tmp/aio-test-io-3.sock,unix:/tmp/aio-test-io-4.sock,unix:/tmp/aio-test-io-5.sock,unix:/tmp/aio-test-io-6.sock,unix:/tmp/aio-test-io-7.sock,unix:/tmp/aio-conf-streams-net.sock,unix:/tmp/aio-conf-streams-documented.sock --allow-read --allow-write --allow-run --allow-env --doc --parallel
deno bench --no-run
deno run --allow-run --allow-read --allow-write=bench --allow-env bench/compare.ts --quick
deno publish --dry-run --allow-dirty

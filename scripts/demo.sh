#!/bin/sh
# The examples tour: `npm run demo` and `deno task demo` both call this.
set -eu
cd "$(dirname "$0")/.."
exec deno run --allow-net=127.0.0.1 --allow-read --allow-write --allow-run --allow-env examples/tour.ts

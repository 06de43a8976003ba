#!/usr/bin/env bash
# Build every fuzz target (nightly, cargo-fuzz) and run each for a bounded time, seeded from
# fuzz/seeds/<target>/. Any crash fails the script and leaves its input in fuzz/artifacts/.
#   FUZZ_SECONDS  time per target (default 30)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
export PATH="${NB_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/nixbucket-test}/bin:$HOME/.cargo/bin:$PATH"
command -v cargo-fuzz >/dev/null || { echo "error: cargo-fuzz is missing; run scripts/deps.sh" >&2; exit 1; }

targets=$(cargo +nightly fuzz list)
cargo +nightly fuzz build -O >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
for t in $targets; do
  mkdir -p "$work/$t" "seeds/$t"
  if cargo +nightly fuzz run -O "$t" "$work/$t" "seeds/$t" -- \
      -max_total_time="$FUZZ_SECONDS" -max_len=65536 -timeout=10 -print_final_stats=1 \
      >"$work/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
    echo "fuzz $t: ok, ${runs:-?} runs in ${FUZZ_SECONDS}s" >&2
    pass=$((pass + 1))
  else
    echo "fuzz $t: FAILED" >&2
    tail -40 "$work/$t.log" >&2
    fail=$((fail + 1))
  fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

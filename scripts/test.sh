#!/usr/bin/env bash
# Run every test, on a fresh Debian machine with Rust or on a developer's one:
#   1. install what the tests need (scripts/deps.sh: Garage, s3s-fs, cargo-fuzz, Nix), idempotently
#   2. start Garage and s3s-fs on loopback (scripts/servers.sh), stopped again on exit
#   3. unit and integration tests (cargo test), against the debug build, real Nix 2.8 and the
#      Debian codec tools; then a build with every codec feature off
#   4. the release binary, linked statically, runs the S3 integration tests again
#   5. every fuzz target for a bounded time (scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export NB_TOOLS="${NB_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/nixbucket-test}"
export NB_STATE="${NB_STATE:-/tmp/nixbucket-servers}"
export PATH="$NB_TOOLS/bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*" >&2; }

step "installing test dependencies"
scripts/deps.sh

step "starting S3 servers"
trap 'scripts/servers.sh stop || true' EXIT
scripts/servers.sh start
# shellcheck disable=SC1091
source "$NB_STATE/env"

step "unit and integration tests (debug build)"
cargo test --locked --all-targets 2>&1

step "a build with every compression codec turned off"
CARGO_TARGET_DIR="$ROOT/target/no-default-features" cargo build --locked --no-default-features
CARGO_TARGET_DIR="$ROOT/target/no-default-features" cargo test --locked --no-default-features --lib nix::compression 2>&1

step "static release build"
HOST_TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS='-C target-feature=+crt-static' cargo build --locked --release --target "$HOST_TRIPLE"
STATIC_BIN="$ROOT/target/$HOST_TRIPLE/release/nixbucket"
if ldd "$STATIC_BIN" 2>&1 | grep -q '=>'; then
  echo "error: $STATIC_BIN is not statically linked:" >&2
  ldd "$STATIC_BIN" >&2
  exit 1
fi
ls -l "$STATIC_BIN" >&2

step "S3 integration tests with the static release binary"
NIXBUCKET_BIN="$STATIC_BIN" cargo test --locked --test s3_servers --test s3_faults --test s3_proxy 2>&1

step "fuzzing"
scripts/fuzz.sh

step "all tests passed in ${SECONDS}s"

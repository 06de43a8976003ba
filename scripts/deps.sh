#!/usr/bin/env bash
# Install what the test suite needs, idempotently:
#   - Garage 2.5 and s3s-fs 0.14.1 (real S3 servers), built with cargo into $NB_TOOLS
#   - cargo-fuzz (runs the fuzz targets on nightly)
#   - Nix 2.8 from Debian (nix-bin), used by the Nix-format and store tests
#   - xz-utils, zstd, bzip2, brotli, gzip: the reference codecs tests/compression.rs checks against
#   - curl (presigned URLs) and tinyproxy (HTTP_PROXY/NO_PROXY) for the S3 tests
# Safe to run again: each step checks for the exact version first.
set -euo pipefail

NB_TOOLS="${NB_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/nixbucket-test}"
mkdir -p "$NB_TOOLS"
export PATH="$NB_TOOLS/bin:$HOME/.cargo/bin:$PATH"

log() { printf '[deps] %s\n' "$*" >&2; }

have_version() { # have_version CMD PATTERN
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -q "$2"
}

install_garage() {
  if have_version garage 'v2\.5\.'; then log "garage present"; return; fi
  log "building garage 2.5.0 (about 10 minutes on 2 cores)"
  # sqlite only: no LMDB, no metrics, no K2V; bundled-libs builds sqlite in.
  cargo install garage --version '=2.5.0' --locked --root "$NB_TOOLS" \
    --no-default-features --features bundled-libs,sqlite
}

install_s3s_fs() {
  if have_version s3s-fs '0\.14\.1'; then log "s3s-fs present"; return; fi
  log "building s3s-fs 0.14.1"
  cargo install s3s-fs --version '=0.14.1' --features binary --locked --root "$NB_TOOLS"
}

install_cargo_fuzz() {
  if command -v cargo-fuzz >/dev/null 2>&1; then log "cargo-fuzz present"; return; fi
  log "installing cargo-fuzz"
  cargo install cargo-fuzz --locked --root "$NB_TOOLS"
}

install_apt() {
  local missing=()
  command -v nix-store >/dev/null 2>&1 || missing+=(nix-bin)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
  command -v zstd >/dev/null 2>&1 || missing+=(zstd)
  command -v bzip2 >/dev/null 2>&1 || missing+=(bzip2)
  command -v brotli >/dev/null 2>&1 || missing+=(brotli)
  command -v gzip >/dev/null 2>&1 || missing+=(gzip)
  command -v tinyproxy >/dev/null 2>&1 || missing+=(tinyproxy)
  if [ ${#missing[@]} -eq 0 ]; then log "apt packages present"; return; fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_apt
install_s3s_fs
install_cargo_fuzz
install_garage
log "all test dependencies installed in $NB_TOOLS"

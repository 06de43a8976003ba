#!/usr/bin/env bash
# nixbucket s3 put/get of a large file against Garage, next to `aws s3 cp` (pip's awscli) in the
# same run. Runs A and B alternately ROUNDS times and reports the median of the time ratios.
#   SIZE_MIB  file size (default 1024)      ROUNDS  rounds (default 3)
# Needs the test servers: scripts/deps.sh installs them, this script starts them.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB="${SIZE_MIB:-1024}"
ROUNDS="${ROUNDS:-3}"
export NB_TOOLS="${NB_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/nixbucket-test}"
export NB_STATE="${NB_STATE:-/tmp/nixbucket-servers}"
export PATH="$NB_TOOLS/bin:$HOME/.cargo/bin:$PATH"

# The peer: awscli from PyPI in its own virtualenv.
if [ ! -x "$NB_TOOLS/awscli/bin/aws" ]; then
  python3 -m venv "$NB_TOOLS/awscli"
  "$NB_TOOLS/awscli/bin/pip" install -q awscli
fi
AWS="$NB_TOOLS/awscli/bin/aws"

scripts/servers.sh start >/dev/null
# shellcheck disable=SC1091
source "$NB_STATE/env"
cargo build --release --locked -q
NB=target/release/nixbucket

export AWS_ACCESS_KEY_ID="$NB_GARAGE_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$NB_GARAGE_SECRET_ACCESS_KEY"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
# Garage does not take the CRC checksums newer botocore adds by default.
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
URL_PARAMS="endpoint=$NB_GARAGE_ENDPOINT&region=$NB_GARAGE_REGION"

work=$(mktemp -d /dev/shm/nb-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$work/src"

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }
timed() { local t0; t0=$(now); "$@" >/dev/null; calc "$(now) - $t0"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

: >"$work/put.ratios"; : >"$work/get.ratios"
for r in $(seq "$ROUNDS"); do
  cat "$work/src" >/dev/null
  nb_put=$(timed "$NB" s3 put "$work/src" "s3://$NB_GARAGE_BUCKET/bench/nb?$URL_PARAMS")
  aws_put=$(timed "$AWS" --endpoint-url "$NB_GARAGE_ENDPOINT" --region "$NB_GARAGE_REGION" s3 cp --only-show-errors "$work/src" "s3://$NB_GARAGE_BUCKET/bench/aws")
  rm -f "$work/out"
  nb_get=$(timed "$NB" s3 get "s3://$NB_GARAGE_BUCKET/bench/nb?$URL_PARAMS" "$work/out")
  cmp -s "$work/src" "$work/out" || { echo "nixbucket get: content differs" >&2; exit 1; }
  rm -f "$work/out"
  aws_get=$(timed "$AWS" --endpoint-url "$NB_GARAGE_ENDPOINT" --region "$NB_GARAGE_REGION" s3 cp --only-show-errors "s3://$NB_GARAGE_BUCKET/bench/aws" "$work/out")
  cmp -s "$work/src" "$work/out" || { echo "aws get: content differs" >&2; exit 1; }
  rm -f "$work/out"
  printf 'round %s: put nixbucket %.2fs aws %.2fs | get nixbucket %.2fs aws %.2fs\n' "$r" "$nb_put" "$aws_put" "$nb_get" "$aws_get"
  calc "$nb_put / $aws_put" >>"$work/put.ratios"
  calc "$nb_get / $aws_get" >>"$work/get.ratios"
done
"$NB" s3 rm "s3://$NB_GARAGE_BUCKET/bench/nb?$URL_PARAMS"
"$AWS" --endpoint-url "$NB_GARAGE_ENDPOINT" --region "$NB_GARAGE_REGION" s3 rm --only-show-errors "s3://$NB_GARAGE_BUCKET/bench/aws"

HOST_TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked -q --target "$HOST_TRIPLE"
size=$(stat -c %s "target/$HOST_TRIPLE/release/nixbucket")
printf '\n| %s MiB against Garage | nixbucket / aws s3 cp (median of %s) |\n|---|---|\n' "$SIZE_MIB" "$ROUNDS"
printf '| put | %.2f |\n| get | %.2f |\n' "$(median <"$work/put.ratios")" "$(median <"$work/get.ratios")"
printf '\nstatic stripped release binary: %s bytes (%.1f MiB)\n' "$size" "$(calc "$size / 1048576")"

#!/usr/bin/env bash
# NAR dumping and NAR compression, on a ~1 GiB tree of copies of /usr/lib files in /dev/shm:
#   1. `nixbucket nar dump-path TREE | sha256sum` next to `nix-store --dump TREE | sha256sum`
#      (Nix 2.8 from Debian): both run alternately ROUNDS times; reports the median time of each,
#      the median of the per-round ratios, and checks that the two NARs hash the same.
#   2. Compression throughput (MiB of NAR input per second) of each codec at its default level,
#      through examples/compress_bench.rs, on the first COMPRESS_MIB of that NAR, alternating
#      with the Debian tool at the same level as a reference (xz -6 -T1, zstd -3, bzip2 -9,
#      brotli -q 11, gzip -6); parallel xz too. Medians of ROUNDS.
#   TREE_MIB      tree size (default 1024)      ROUNDS   rounds (default 3)
#   COMPRESS_MIB  NAR prefix to compress (default 32: brotli -q 11 runs at under 1 MiB/s)
#   CODECS        codecs to measure (default "xz xz-parallel zstd bzip2 br gzip")
# Needs nix-store and the codec tools: scripts/deps.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE_MIB="${TREE_MIB:-1024}"
ROUNDS="${ROUNDS:-3}"
COMPRESS_MIB="${COMPRESS_MIB:-32}"
CODECS="${CODECS:-xz xz-parallel zstd bzip2 br gzip}"
export PATH="$HOME/.cargo/bin:$PATH"

for t in nix-store sha256sum xz zstd bzip2 brotli gzip; do
  command -v "$t" >/dev/null || { echo "bench/nar.sh: $t missing: run scripts/deps.sh" >&2; exit 1; }
done

cargo build --release --locked -q
cargo build --release --locked -q --example compress_bench
NB=target/release/nixbucket
BENCH=target/release/examples/compress_bench

work=$(mktemp -d /dev/shm/nb-nar-bench.XXXXXX)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
tree="$work/tree"
mkdir "$tree"

# Regular, readable files below /usr/lib (no file over 64 MiB) until TREE_MIB is reached,
# copied with their directories; symlinks inside /usr/lib come along as symlinks.
find /usr/lib \( -type f -readable -size -64M -o -type l \) -printf '%s\t%p\n' 2>/dev/null |
  awk -F'\t' -v limit="$((TREE_MIB << 20))" 'total < limit { total += $1; print $2 }' >"$work/list"
tar -cf - --no-recursion -T "$work/list" 2>/dev/null | tar -xf - -C "$tree"
echo "tree: $(du -sh --apparent-size "$tree" | cut -f1), $(wc -l <"$work/list") entries"

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Re-read the tree so that both sides start from a warm page cache (it is on tmpfs anyway).
cat "$work/list" >/dev/null

# ---- 1. dump-path vs nix-store --dump ----
nb_times=() nix_times=() ratios=()
for round in $(seq "$ROUNDS"); do
  t0=$(now); nb_hash=$("$NB" nar dump-path "$tree" | sha256sum | cut -d' ' -f1); t_nb=$(calc "$(now) - $t0")
  t0=$(now); nix_hash=$(nix-store --dump "$tree" | sha256sum | cut -d' ' -f1); t_nix=$(calc "$(now) - $t0")
  [ "$nb_hash" = "$nix_hash" ] || { echo "NAR differs: nixbucket $nb_hash, nix-store $nix_hash" >&2; exit 1; }
  nb_times+=("$t_nb") nix_times+=("$t_nix") ratios+=("$(calc "$t_nb / $t_nix")")
  echo "round $round: nixbucket ${t_nb}s nix-store ${t_nix}s"
done
"$NB" nar dump-path "$tree" >"$work/full.nar"
nar_bytes=$(stat -c %s "$work/full.nar")
m_nb=$(printf '%s\n' "${nb_times[@]}" | median)
m_nix=$(printf '%s\n' "${nix_times[@]}" | median)
m_ratio=$(printf '%s\n' "${ratios[@]}" | median)
printf 'dump | sha256sum, NAR %s MiB: nixbucket %.2fs (%.0f MiB/s), nix-store --dump %.2fs (%.0f MiB/s), median ratio nixbucket/nix-store %.3f\n' \
  "$((nar_bytes >> 20))" "$m_nb" "$(calc "$nar_bytes / 1048576 / $m_nb")" "$m_nix" "$(calc "$nar_bytes / 1048576 / $m_nix")" "$m_ratio"

# ---- 2. compression throughput ----
head -c "$((COMPRESS_MIB << 20))" "$work/full.nar" >"$work/sample.nar"
rm -rf "$tree" "$work/full.nar"
in_bytes=$(stat -c %s "$work/sample.nar")

ours() { # ours CODEC [--parallel] -> "secs out"
  "$BENCH" "$@" <"$work/sample.nar" | sed -E 's/.* out=([0-9]+) secs=([0-9.]+).*/\2 \1/'
}
theirs() { # theirs CMD... -> "secs out"
  local t0 out
  t0=$(now); out=$("$@" <"$work/sample.nar" | wc -c); echo "$(calc "$(now) - $t0") $out"
}
for codec in $CODECS; do
  case $codec in
    xz) ours_args=(xz) cli=(xz -6 -T1 -c) ;;
    xz-parallel) ours_args=(xz --parallel) cli=(xz -6 -T0 -c) ;;
    zstd) ours_args=(zstd) cli=(zstd -3 -q -c) ;;
    bzip2) ours_args=(bzip2) cli=(bzip2 -9 -c) ;;
    br) ours_args=(br) cli=(brotli -q 11 -w 22 -c) ;;
    gzip) ours_args=(gzip) cli=(gzip -6 -c) ;;
    *) echo "unknown codec $codec" >&2; exit 1 ;;
  esac
  ours_mibs=() cli_mibs=() sizes=""
  for round in $(seq "$ROUNDS"); do
    read -r s o < <(ours "${ours_args[@]}")
    ours_mibs+=("$(calc "$in_bytes / 1048576 / $s")") sizes="$o"
    read -r s o2 < <(theirs "${cli[@]}")
    cli_mibs+=("$(calc "$in_bytes / 1048576 / $s")")
  done
  printf '%-12s %4s MiB NAR -> ours %6.1f MiB/s (%s bytes), %s %6.1f MiB/s (%s bytes)\n' "$codec" "$COMPRESS_MIB" \
    "$(printf '%s\n' "${ours_mibs[@]}" | median)" "$sizes" "${cli[*]}" "$(printf '%s\n' "${cli_mibs[@]}" | median)" "$o2"
done

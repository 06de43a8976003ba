#!/usr/bin/env bash
# Start, stop and inspect the real S3 servers the integration tests talk to:
#   - Garage 2.5 (single node, sqlite, replication_factor 1, region "garage"),
#     with its S3 API and its website endpoint
#   - s3s-fs 0.14.1 (region "us-east-1"; buckets are directories under its root)
# Both come from scripts/deps.sh (installed into $NB_TOOLS/bin).
#
# Usage: scripts/servers.sh start|stop|status|clean
#   start   Start whatever is not running, set up keys and buckets, wait until both S3
#           endpoints answer signed requests, then write $NB_STATE/env. Idempotent: with
#           both servers already up and healthy it changes nothing.
#   stop    Stop both servers (SIGTERM, then SIGKILL after 20 s) and remove $NB_STATE/env.
#           Fine when nothing runs. Data and credentials are kept.
#   status  Print what runs; exit 0 only if both servers are up and healthy.
#   clean   stop, then delete $NB_STATE entirely (next start is fresh).
#
# Persistence: everything lives in ${NB_STATE:-/tmp/nixbucket-servers}. A start after a
# stop reuses the same data, keys and buckets (credentials are generated once, into
# $NB_STATE/secrets). Use `clean` for a fresh state.
#
# The env file ($NB_STATE/env, `export VAR=value` lines, written only once everything is
# healthy and removed by stop) defines:
#   NB_GARAGE_ENDPOINT NB_GARAGE_REGION NB_GARAGE_ACCESS_KEY_ID NB_GARAGE_SECRET_ACCESS_KEY
#   NB_GARAGE_BUCKET NB_GARAGE_BUCKET2
#   NB_GARAGE_WEB_ENDPOINT NB_GARAGE_WEB_ROOT_DOMAIN NB_GARAGE_WEB_URL
#   NB_GARAGE_ADMIN_ENDPOINT NB_GARAGE_ADMIN_TOKEN
#   NB_S3SFS_ENDPOINT NB_S3SFS_REGION NB_S3SFS_ACCESS_KEY_ID NB_S3SFS_SECRET_ACCESS_KEY
#   NB_S3SFS_BUCKET NB_S3SFS_BUCKET2
#
# Addressing Garage's website endpoint (anonymous, read-only, plain HTTP):
#   Garage picks the bucket from the Host header only (never from the path): a host of
#   the form BUCKET.web.garage.localhost (any port) serves bucket BUCKET; any other host
#   is looked up as a global bucket alias (so Host: 127.0.0.1 gives 404). Website access
#   is enabled on NB_GARAGE_BUCKET only. Two ways to reach it:
#     - use NB_GARAGE_WEB_URL = http://BUCKET.web.garage.localhost:PORT directly: libcurl
#       (hence curl and Nix) resolves every *.localhost name to loopback by itself, with
#       no /etc/hosts entry (glibc's getaddrinfo does NOT, so other clients may not);
#     - or connect to NB_GARAGE_WEB_ENDPOINT (http://127.0.0.1:PORT) and send
#       `Host: BUCKET.web.garage.localhost`, e.g. curl -H "Host: ..." or
#       curl --resolve BUCKET.web.garage.localhost:PORT:127.0.0.1.
#   Keys map to paths one to one (GET /nix-cache-info reads key "nix-cache-info"); a
#   missing key is a 404; a path ending in "/" reads "<path>index.html".
#
# Ports (override with env vars at start; each must be free or already ours, else start
# fails naming the process holding it; status and stop find the ports in $NB_STATE/ports):
#   NB_GARAGE_PORT (3900) S3 API, +1 RPC, +2 website, +3 admin API; NB_S3SFS_PORT (3910).
# Other knobs: NB_START_TIMEOUT (60 s per wait), NB_GARAGE_LOG (RUST_LOG for garage,
# default garage=info, which logs one line per request).
#
# curl example (curl 7.88 does not add x-amz-content-sha256 by itself, both servers need it):
#   . "$NB_STATE/env"
#   curl --aws-sigv4 "aws:amz:$NB_GARAGE_REGION:s3" \
#     --user "$NB_GARAGE_ACCESS_KEY_ID:$NB_GARAGE_SECRET_ACCESS_KEY" \
#     -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -T file "$NB_GARAGE_ENDPOINT/$NB_GARAGE_BUCKET/key"
set -euo pipefail

NB_TOOLS="${NB_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/nixbucket-test}"
NB_STATE="${NB_STATE:-/tmp/nixbucket-servers}"
export PATH="$NB_TOOLS/bin:$PATH"

DEFAULT_GARAGE_PORT=3900
DEFAULT_S3SFS_PORT=3910
START_TIMEOUT="${NB_START_TIMEOUT:-60}" # seconds, per server
STOP_TIMEOUT=20

GARAGE_REGION=garage
GARAGE_WEB_ROOT_DOMAIN=.web.garage.localhost
GARAGE_BUCKET=nixbucket-test
GARAGE_BUCKET2=nixbucket-test2
S3SFS_REGION=us-east-1
S3SFS_BUCKET=nixbucket-test
S3SFS_BUCKET2=nixbucket-test2

GARAGE_DIR="$NB_STATE/garage"
GARAGE_CONF="$GARAGE_DIR/config.toml"
GARAGE_LOG="$NB_STATE/garage.log"
GARAGE_PID="$NB_STATE/garage.pid"
S3SFS_ROOT="$NB_STATE/s3s-fs"
S3SFS_LOG="$NB_STATE/s3s-fs.log"
S3SFS_PID="$NB_STATE/s3s-fs.pid"
SECRETS="$NB_STATE/secrets"
PORTS_FILE="$NB_STATE/ports" # ports of the running servers, written by start
ENV_FILE="$NB_STATE/env"

log() { printf '[servers] %s\n' "$*" >&2; }
die() { printf '[servers] error: %s\n' "$*" >&2; exit 1; }

randhex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; } # randhex NBYTES

# ---------------------------------------------------------------------------------------
# processes

# pid_alive PIDFILE NAME: the pid in PIDFILE runs NAME with this state dir on its command
# line (guards against a reused pid).
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1")
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2.*$NB_STATE" || return 1
}

# port_in_use PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_ports() { # require_free_ports WHAT PORT...
  local what=$1 p
  shift
  for p in "$@"; do
    if port_in_use "$p"; then
      die "port $p (needed by $what) is already taken by another process:
$(ss -ltnp "sport = :$p" 2>/dev/null | tail -n +2)
stop it, or pick other ports with NB_GARAGE_PORT / NB_S3SFS_PORT"
    fi
  done
}

# spawn PIDFILE LOGFILE CMD...: run CMD in its own session (so it outlives the caller and
# its process group), output appended to LOGFILE, pid written by the process itself.
spawn() {
  local pidfile=$1 logfile=$2
  shift 2
  rm -f "$pidfile"
  printf '\n==== %s start: %s\n' "$(date -Is)" "$*" >>"$logfile"
  # 9>&-: the server must not inherit the lock held by with_lock
  # shellcheck disable=SC2016 # $$, $0 and $@ are for the inner bash
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  local _
  for _ in $(seq 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
  fail_with_log "$logfile" "could not start $*"
}

# stop_pids PIDFILE NAME [PIDFILE NAME]...: SIGTERM all (they shut down in parallel,
# each takes 2-3 s), then wait; SIGKILL what is left after STOP_TIMEOUT seconds.
stop_pids() {
  local pids=() pid _
  while [ $# -gt 0 ]; do
    if pid_alive "$1" "$2"; then
      pid=$(cat "$1")
      log "stopping $2 (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$1"
    shift 2
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  for _ in $(seq $((STOP_TIMEOUT * 10))); do
    alive_any "${pids[@]}" || return 0
    sleep 0.1
  done
  log "still running after ${STOP_TIMEOUT}s, sending SIGKILL"
  kill -KILL "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 50); do
    alive_any "${pids[@]}" || return 0
    sleep 0.1
  done
  die "could not stop pids ${pids[*]}"
}

alive_any() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

fail_with_log() { # fail_with_log LOGFILE MESSAGE
  printf '[servers] error: %s\n---- last 40 lines of %s ----\n' "$2" "$1" >&2
  tail -n 40 "$1" >&2 || true
  exit 1
}

# http_code URL [CURL ARGS...]: the HTTP status, 000 when nothing answers.
http_code() {
  local url=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true
}

# signed_code REGION ID SECRET URL [CURL ARGS...]: status of a SigV4-signed request.
signed_code() {
  local region=$1 id=$2 secret=$3 url=$4
  shift 4
  http_code "$url" --aws-sigv4 "aws:amz:$region:s3" --user "$id:$secret" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@"
}

# wait_buckets NAME LOG DEADLINE REGION ID SECRET PORT BUCKET...: wait until a signed HEAD of
# each bucket answers 200, or fail with the log's tail at DEADLINE (in $SECONDS).
wait_buckets() {
  local name=$1 logfile=$2 deadline=$3 region=$4 id=$5 secret=$6 port=$7 b
  shift 7
  for b in "$@"; do
    until [ "$(signed_code "$region" "$id" "$secret" "http://127.0.0.1:$port/$b" -I)" = 200 ]; do
      [ "$SECONDS" -ge "$deadline" ] &&
        fail_with_log "$logfile" "signed HEAD /$b on $name did not return 200 within ${START_TIMEOUT}s"
      sleep 0.2
    done
  done
}

# wait_http WHAT PIDFILE NAME LOGFILE URL: wait until URL answers an unsigned request with
# any HTTP status (an S3 endpoint says 403 AccessDenied), or fail showing the log.
wait_http() {
  local what=$1 pidfile=$2 name=$3 logfile=$4 url=$5 deadline code
  deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    pid_alive "$pidfile" "$name" || fail_with_log "$logfile" "$what exited during startup"
    code=$(http_code "$url")
    [ "$code" != 000 ] && return 0
    [ "$SECONDS" -ge "$deadline" ] &&
      fail_with_log "$logfile" "$what did not answer on $url within ${START_TIMEOUT}s"
    sleep 0.2
  done
}

set_ports() { # set_ports GARAGE_S3_PORT S3SFS_PORT
  GARAGE_PORT=$1
  GARAGE_RPC_PORT=$((GARAGE_PORT + 1))
  GARAGE_WEB_PORT=$((GARAGE_PORT + 2))
  GARAGE_ADMIN_PORT=$((GARAGE_PORT + 3))
  S3SFS_PORT=$2
}

# For status: the ports the servers were started with, else the requested/default ones.
load_ports() {
  local rec_garage="" rec_s3sfs=""
  if [ -s "$PORTS_FILE" ]; then
    rec_garage=$(sed -n 's/^GARAGE_PORT=//p' "$PORTS_FILE")
    rec_s3sfs=$(sed -n 's/^S3SFS_PORT=//p' "$PORTS_FILE")
  fi
  set_ports "${rec_garage:-${NB_GARAGE_PORT:-$DEFAULT_GARAGE_PORT}}" \
    "${rec_s3sfs:-${NB_S3SFS_PORT:-$DEFAULT_S3SFS_PORT}}"
}

# For start: a running server keeps its port (asking for another one is an error); a
# stopped one gets NB_*_PORT or the default.
choose_ports() {
  local rec_garage="" rec_s3sfs="" garage s3sfs
  if [ -s "$PORTS_FILE" ]; then
    rec_garage=$(sed -n 's/^GARAGE_PORT=//p' "$PORTS_FILE")
    rec_s3sfs=$(sed -n 's/^S3SFS_PORT=//p' "$PORTS_FILE")
  fi
  garage=${NB_GARAGE_PORT:-$DEFAULT_GARAGE_PORT}
  s3sfs=${NB_S3SFS_PORT:-$DEFAULT_S3SFS_PORT}
  if pid_alive "$GARAGE_PID" garage && [ -n "$rec_garage" ]; then
    [ -z "${NB_GARAGE_PORT:-}" ] || [ "$NB_GARAGE_PORT" = "$rec_garage" ] ||
      die "garage already runs on port $rec_garage, not $NB_GARAGE_PORT: run '$0 stop' first"
    garage=$rec_garage
  fi
  if pid_alive "$S3SFS_PID" s3s-fs && [ -n "$rec_s3sfs" ]; then
    [ -z "${NB_S3SFS_PORT:-}" ] || [ "$NB_S3SFS_PORT" = "$rec_s3sfs" ] ||
      die "s3s-fs already runs on port $rec_s3sfs, not $NB_S3SFS_PORT: run '$0 stop' first"
    s3sfs=$rec_s3sfs
  fi
  set_ports "$garage" "$s3sfs"
}

# ---------------------------------------------------------------------------------------
# credentials, generated once

load_secrets() {
  mkdir -p "$NB_STATE"
  if [ ! -s "$SECRETS" ]; then
    local tmp="$SECRETS.tmp"
    (
      umask 077
      {
        echo "GARAGE_RPC_SECRET=$(randhex 32)"
        echo "GARAGE_ADMIN_TOKEN=$(randhex 32)"
        # garage key import wants Garage's own format: GK + 24 hex, secret 64 hex
        echo "GARAGE_KEY_ID=GK$(randhex 12)"
        echo "GARAGE_SECRET=$(randhex 32)"
        echo "S3SFS_KEY_ID=NBS3SFS$(randhex 8 | tr a-f A-F)"
        echo "S3SFS_SECRET=$(randhex 20)"
      } >"$tmp"
    )
    mv "$tmp" "$SECRETS"
  fi
  # shellcheck disable=SC1090
  . "$SECRETS"
}

# ---------------------------------------------------------------------------------------
# Garage

garage_cli() { garage -c "$GARAGE_CONF" "$@"; }

write_garage_config() {
  mkdir -p "$GARAGE_DIR/meta" "$GARAGE_DIR/data"
  cat >"$GARAGE_CONF.tmp" <<EOF
# generated by scripts/servers.sh; rewritten at every start
metadata_dir = "$GARAGE_DIR/meta"
data_dir = "$GARAGE_DIR/data"
db_engine = "sqlite"
replication_factor = 1

rpc_bind_addr = "127.0.0.1:$GARAGE_RPC_PORT"
rpc_public_addr = "127.0.0.1:$GARAGE_RPC_PORT"
rpc_secret = "$GARAGE_RPC_SECRET"

[s3_api]
s3_region = "$GARAGE_REGION"
api_bind_addr = "127.0.0.1:$GARAGE_PORT"

[s3_web]
bind_addr = "127.0.0.1:$GARAGE_WEB_PORT"
root_domain = "$GARAGE_WEB_ROOT_DOMAIN"
index = "index.html"

[admin]
api_bind_addr = "127.0.0.1:$GARAGE_ADMIN_PORT"
admin_token = "$GARAGE_ADMIN_TOKEN"
EOF
  chmod 600 "$GARAGE_CONF.tmp"
  mv "$GARAGE_CONF.tmp" "$GARAGE_CONF"
}

garage_start() {
  if pid_alive "$GARAGE_PID" garage; then
    log "garage already running (pid $(cat "$GARAGE_PID"))"
  else
    write_garage_config
    log "starting garage on 127.0.0.1:$GARAGE_PORT (rpc +1, web +2, admin +3)"
    spawn "$GARAGE_PID" "$GARAGE_LOG" env NO_COLOR=1 RUST_LOG="${NB_GARAGE_LOG:-garage=info}" \
      garage -c "$GARAGE_CONF" server
  fi
  wait_http "garage S3 API" "$GARAGE_PID" garage "$GARAGE_LOG" "http://127.0.0.1:$GARAGE_PORT/"
  garage_setup
}

# Idempotent: each step checks first, so it also completes a half-done earlier setup.
garage_setup() {
  local node_id version deadline out
  deadline=$((SECONDS + START_TIMEOUT))
  until out=$(garage_cli layout show 2>&1); do
    [ "$SECONDS" -ge "$deadline" ] && fail_with_log "$GARAGE_LOG" "garage CLI cannot reach the node: $out"
    sleep 0.2
  done
  version=$(sed -n 's/^Current cluster layout version: \([0-9]*\)$/\1/p' <<<"$out")
  if [ "${version:-0}" = 0 ]; then
    node_id=$(garage_cli node id -q 2>/dev/null) || fail_with_log "$GARAGE_LOG" "garage node id failed"
    node_id=${node_id%%@*}
    log "garage: assigning layout to node ${node_id:0:16}…"
    garage_cli layout assign -z dc1 -c 1G "$node_id" >/dev/null
    garage_cli layout apply --version 1 >/dev/null
  fi

  if ! garage_cli key info "$GARAGE_KEY_ID" >/dev/null 2>&1; then
    log "garage: importing key $GARAGE_KEY_ID"
    garage_cli key import -n nixbucket-test --yes "$GARAGE_KEY_ID" "$GARAGE_SECRET" >/dev/null
  fi
  local b
  for b in "$GARAGE_BUCKET" "$GARAGE_BUCKET2"; do
    if ! garage_cli bucket info "$b" >/dev/null 2>&1; then
      log "garage: creating bucket $b"
      garage_cli bucket create "$b" >/dev/null
    fi
    garage_cli bucket allow --read --write --owner "$b" --key "$GARAGE_KEY_ID" >/dev/null
  done
  garage_cli bucket website --allow "$GARAGE_BUCKET" >/dev/null

  # Ready when a signed HEAD of each bucket succeeds (tables may lag the layout a moment).
  wait_buckets garage "$GARAGE_LOG" "$deadline" "$GARAGE_REGION" "$GARAGE_KEY_ID" "$GARAGE_SECRET" \
    "$GARAGE_PORT" "$GARAGE_BUCKET" "$GARAGE_BUCKET2"
  wait_http "garage web endpoint" "$GARAGE_PID" garage "$GARAGE_LOG" "http://127.0.0.1:$GARAGE_WEB_PORT/"
}

garage_healthy() {
  pid_alive "$GARAGE_PID" garage &&
    [ "$(signed_code "$GARAGE_REGION" "$GARAGE_KEY_ID" "$GARAGE_SECRET" \
      "http://127.0.0.1:$GARAGE_PORT/$GARAGE_BUCKET2" -I)" = 200 ] &&
    [ "$(http_code "http://127.0.0.1:$GARAGE_WEB_PORT/" \
      -H "Host: $GARAGE_BUCKET$GARAGE_WEB_ROOT_DOMAIN")" != 000 ]
}

# ---------------------------------------------------------------------------------------
# s3s-fs

s3sfs_start() {
  # s3s-fs serves each top-level directory of its root as a bucket.
  mkdir -p "$S3SFS_ROOT/$S3SFS_BUCKET" "$S3SFS_ROOT/$S3SFS_BUCKET2"
  if pid_alive "$S3SFS_PID" s3s-fs; then
    log "s3s-fs already running (pid $(cat "$S3SFS_PID"))"
  else
    log "starting s3s-fs on 127.0.0.1:$S3SFS_PORT"
    spawn "$S3SFS_PID" "$S3SFS_LOG" s3s-fs --host 127.0.0.1 --port "$S3SFS_PORT" \
      --access-key "$S3SFS_KEY_ID" --secret-key "$S3SFS_SECRET" "$S3SFS_ROOT"
  fi
  wait_http "s3s-fs" "$S3SFS_PID" s3s-fs "$S3SFS_LOG" "http://127.0.0.1:$S3SFS_PORT/"
  wait_buckets s3s-fs "$S3SFS_LOG" "$((SECONDS + START_TIMEOUT))" "$S3SFS_REGION" "$S3SFS_KEY_ID" \
    "$S3SFS_SECRET" "$S3SFS_PORT" "$S3SFS_BUCKET" "$S3SFS_BUCKET2"
}

s3sfs_healthy() {
  pid_alive "$S3SFS_PID" s3s-fs &&
    [ "$(signed_code "$S3SFS_REGION" "$S3SFS_KEY_ID" "$S3SFS_SECRET" \
      "http://127.0.0.1:$S3SFS_PORT/$S3SFS_BUCKET2" -I)" = 200 ]
}

# ---------------------------------------------------------------------------------------

write_env() {
  local tmp="$ENV_FILE.tmp"
  {
    echo "# generated by scripts/servers.sh start; removed by scripts/servers.sh stop"
    printf 'export %s=%q\n' \
      NB_GARAGE_ENDPOINT "http://127.0.0.1:$GARAGE_PORT" \
      NB_GARAGE_REGION "$GARAGE_REGION" \
      NB_GARAGE_ACCESS_KEY_ID "$GARAGE_KEY_ID" \
      NB_GARAGE_SECRET_ACCESS_KEY "$GARAGE_SECRET" \
      NB_GARAGE_BUCKET "$GARAGE_BUCKET" \
      NB_GARAGE_BUCKET2 "$GARAGE_BUCKET2" \
      NB_GARAGE_WEB_ENDPOINT "http://127.0.0.1:$GARAGE_WEB_PORT" \
      NB_GARAGE_WEB_ROOT_DOMAIN "$GARAGE_WEB_ROOT_DOMAIN" \
      NB_GARAGE_WEB_URL "http://$GARAGE_BUCKET$GARAGE_WEB_ROOT_DOMAIN:$GARAGE_WEB_PORT" \
      NB_GARAGE_ADMIN_ENDPOINT "http://127.0.0.1:$GARAGE_ADMIN_PORT" \
      NB_GARAGE_ADMIN_TOKEN "$GARAGE_ADMIN_TOKEN" \
      NB_S3SFS_ENDPOINT "http://127.0.0.1:$S3SFS_PORT" \
      NB_S3SFS_REGION "$S3SFS_REGION" \
      NB_S3SFS_ACCESS_KEY_ID "$S3SFS_KEY_ID" \
      NB_S3SFS_SECRET_ACCESS_KEY "$S3SFS_SECRET" \
      NB_S3SFS_BUCKET "$S3SFS_BUCKET" \
      NB_S3SFS_BUCKET2 "$S3SFS_BUCKET2"
  } >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$ENV_FILE"
}

with_lock() { # serialize concurrent start/stop on one state dir
  mkdir -p "$NB_STATE"
  exec 9>"$NB_STATE/lock"
  flock -w 120 9 || die "another servers.sh holds $NB_STATE/lock"
}

cmd_start() {
  with_lock
  load_secrets
  choose_ports
  if [ -s "$ENV_FILE" ] && garage_healthy && s3sfs_healthy; then
    log "already running and healthy; env: $ENV_FILE"
    return 0
  fi
  local t0=$SECONDS
  rm -f "$ENV_FILE"
  # Check binaries and ports of both servers before starting either.
  if ! pid_alive "$GARAGE_PID" garage; then
    command -v garage >/dev/null || die "garage not found in $NB_TOOLS/bin: run scripts/deps.sh"
    require_free_ports garage "$GARAGE_PORT" "$GARAGE_RPC_PORT" "$GARAGE_WEB_PORT" "$GARAGE_ADMIN_PORT"
  fi
  if ! pid_alive "$S3SFS_PID" s3s-fs; then
    command -v s3s-fs >/dev/null || die "s3s-fs not found in $NB_TOOLS/bin: run scripts/deps.sh"
    require_free_ports s3s-fs "$S3SFS_PORT"
  fi
  printf 'GARAGE_PORT=%s\nS3SFS_PORT=%s\n' "$GARAGE_PORT" "$S3SFS_PORT" >"$PORTS_FILE"
  garage_start
  s3sfs_start
  write_env
  log "up in $((SECONDS - t0))s; env: $ENV_FILE"
}

cmd_stop() {
  with_lock
  rm -f "$ENV_FILE" "$PORTS_FILE"
  stop_pids "$GARAGE_PID" garage "$S3SFS_PID" s3s-fs
}

cmd_status() {
  local ok=0
  [ -s "$SECRETS" ] && load_secrets
  load_ports
  if pid_alive "$GARAGE_PID" garage; then
    if [ -s "$SECRETS" ] && garage_healthy; then
      echo "garage: running, healthy (pid $(cat "$GARAGE_PID"), s3 :$GARAGE_PORT, web :$GARAGE_WEB_PORT)"
    else
      echo "garage: running, NOT healthy (pid $(cat "$GARAGE_PID")); log: $GARAGE_LOG"; ok=1
    fi
  else
    echo "garage: stopped"; ok=1
  fi
  if pid_alive "$S3SFS_PID" s3s-fs; then
    if [ -s "$SECRETS" ] && s3sfs_healthy; then
      echo "s3s-fs: running, healthy (pid $(cat "$S3SFS_PID"), s3 :$S3SFS_PORT)"
    else
      echo "s3s-fs: running, NOT healthy (pid $(cat "$S3SFS_PID")); log: $S3SFS_LOG"; ok=1
    fi
  else
    echo "s3s-fs: stopped"; ok=1
  fi
  if [ -s "$ENV_FILE" ]; then echo "env: $ENV_FILE"; else echo "env: (none)"; ok=1; fi
  return $ok
}

cmd_clean() {
  cmd_stop
  log "removing $NB_STATE"
  rm -rf "$NB_STATE"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  *) echo "usage: $0 start|stop|status|clean" >&2; exit 2 ;;
esac

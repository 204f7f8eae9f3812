#!/usr/bin/env bash
# redis-cli against Tessera's RESP port: PING, SET/GET, INFO, --scan --pattern, --pipe, errors,
# each checked against what Redis prints.
#
#   scripts/redis-cli-smoke.sh            starts its own server (2 partitions, in-memory, free
#                                          ports), runs the checks, stops it
#   scripts/redis-cli-smoke.sh PORT       runs the checks against a server already on PORT
#                                          (its keyspace is flushed first)
#
# Installs redis-tools with apt-get when redis-cli is missing. Exit 0 = every check passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! command -v redis-cli >/dev/null 2>&1; then
  echo "redis-cli missing: installing redis-tools with apt-get"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-tools
fi

SERVER_PID=""
WORK="$(mktemp -d)"
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ $# -ge 1 ]; then
  PORT="$1"
else
  PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  node --import tsx packages/router/src/cli/main.ts serve --host 127.0.0.1 --port 0 --resp-port "$PORT" \
    --partitions 2 --data-dir "" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if grep -q "tessera ready" "$WORK/server.log" 2>/dev/null; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "server exited before it was ready:"; cat "$WORK/server.log"; exit 1; fi
    sleep 0.1
  done
  grep -q "tessera ready" "$WORK/server.log" || { echo "server not ready in 60 s:"; cat "$WORK/server.log"; exit 1; }
fi

CLI=(redis-cli -h 127.0.0.1 -p "$PORT")
CHECKS=0
fail() { echo "FAIL: $1"; echo "  expected: $(printf '%q' "$2")"; echo "  got:      $(printf '%q' "$3")"; exit 1; }
expect_eq() { # name expected actual
  CHECKS=$((CHECKS + 1))
  if [ "$2" != "$3" ]; then fail "$1" "$2" "$3"; fi
  echo "ok  $1"
}
expect_contains() { # name needle haystack
  CHECKS=$((CHECKS + 1))
  case "$3" in *"$2"*) echo "ok  $1" ;; *) fail "$1" "*$2*" "$3" ;; esac
}

"${CLI[@]}" FLUSHALL >/dev/null
expect_eq "PING" "PONG" "$("${CLI[@]}" PING)"
expect_eq "PING message" "hello" "$("${CLI[@]}" PING hello)"
expect_eq "SET" "OK" "$("${CLI[@]}" SET greeting "hello world")"
expect_eq "GET" "hello world" "$("${CLI[@]}" GET greeting)"
expect_eq "GET missing (nil prints empty when not a tty)" "" "$("${CLI[@]}" GET nosuchkey)"
expect_eq "INCR" "1" "$("${CLI[@]}" INCR counter)"
expect_eq "unknown command" "ERR unknown command 'NOSUCH', with args beginning with: 'a' " "$("${CLI[@]}" NOSUCH a 2>&1)"
expect_eq "wrong arity" "ERR wrong number of arguments for 'get' command" "$("${CLI[@]}" GET 2>&1)"

# Mass insertion with --pipe (raw RESP on stdin; redis-cli ends it with an ECHO it waits for).
for i in $(seq 1 500); do key="user:$i"; printf '*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$1\r\nx\r\n' "${#key}" "$key"; done >"$WORK/users.resp"
for i in $(seq 1 200); do printf 'SET order:%d y\r\n' "$i"; done >"$WORK/orders.txt"
PIPE_OUT="$("${CLI[@]}" --pipe <"$WORK/users.resp" 2>&1)"
expect_contains "--pipe mass insertion" "errors: 0, replies: 500" "$PIPE_OUT"
"${CLI[@]}" <"$WORK/orders.txt" >/dev/null # commands read line by line from stdin
expect_eq "DBSIZE" "702" "$("${CLI[@]}" DBSIZE)"

EXPECTED_USERS="$(for i in $(seq 1 500); do echo "user:$i"; done | sort)"
expect_eq "--scan --pattern 'user:*'" "$EXPECTED_USERS" "$("${CLI[@]}" --scan --pattern 'user:*' | sort)"
expect_eq "--scan --pattern 'order:1?'" "$(for i in $(seq 10 19); do echo "order:$i"; done | sort)" "$("${CLI[@]}" --scan --pattern 'order:1?' | sort)"
expect_eq "--scan (all keys)" "702" "$("${CLI[@]}" --scan | sort -u | wc -l | tr -d ' ')"
expect_eq "KEYS" "$(for i in $(seq 10 19); do echo "order:$i"; done | sort)" "$("${CLI[@]}" KEYS 'order:1?' | sort)"

sleep 1.2 # partition figures for INFO are refreshed about once a second
INFO="$("${CLI[@]}" INFO)"
expect_contains "INFO server" "redis_version:" "$INFO"
expect_contains "INFO keyspace" "db0:keys=702,expires=0,avg_ttl=0" "$INFO"
expect_contains "INFO section" "# Clients" "$("${CLI[@]}" INFO clients)"
expect_eq "CONFIG GET" "$(printf 'appendonly\nno')" "$("${CLI[@]}" CONFIG GET appendonly)"
expect_eq "SELECT 0" "OK" "$("${CLI[@]}" SELECT 0)"
expect_eq "SELECT 1" "ERR DB index is out of range" "$("${CLI[@]}" SELECT 1 2>&1)"
expect_eq "HELLO 3 (RESP3 map)" "proto 3" "$("${CLI[@]}" -3 HELLO 3 | grep '^proto ')"
expect_eq "FLUSHALL" "OK" "$("${CLI[@]}" FLUSHALL)"
expect_eq "DBSIZE after FLUSHALL" "0" "$("${CLI[@]}" DBSIZE)"

echo "redis-cli smoke: OK ($CHECKS checks, port $PORT)"

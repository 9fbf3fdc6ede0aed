#!/usr/bin/env bash
# The test command: installs the real FTP servers if needed (Debian
# packages; needs root, or sudo), starts vsftpd, proftpd, pure-ftpd and
# pyftpdlib, each plain and with explicit TLS, on 127.0.0.1, runs
# `go test -race ./...` against them and the built-in server, and stops the
# servers it started.
#
#   bash spec/test.sh                 all tests
#   bash spec/test.sh -run TestSpecs ./spec/   extra arguments go to go test
#
# The full go test output is kept in $FTPLUA_TEST_LOG (default
# /tmp/ftplua-test.log); what is printed is the summary: each package, each
# spec file against each server, and every failure in full.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin"
STATE=${FTP_STATE_DIR:-/tmp/ftplua-servers/state}
export FTP_STATE_DIR=$STATE
LOG=${FTPLUA_TEST_LOG:-/tmp/ftplua-test.log}

SUDO=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "spec/test.sh: needs root (or sudo) to install and start the FTP servers" >&2; exit 2; }
  SUDO=(sudo --preserve-env=FTP_STATE_DIR,FTP_SERVERS)
fi

# which instances run already (left alone at the end)
running_before=()
for pf in "$STATE"/pids/*.pid; do
  [ -e "$pf" ] || continue
  pid=$(cat "$pf" 2>/dev/null || true)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && running_before+=("$(basename "$pf" .pid)")
done
ALL="vsftpd vsftpd-tls proftpd proftpd-tls pureftpd pureftpd-tls pyftpdlib pyftpdlib-tls"
to_stop=()
for n in $ALL; do
  [[ " ${running_before[*]-} " == *" $n "* ]] || to_stop+=("$n")
done
stop() {
  if [ ${#to_stop[@]} -gt 0 ]; then
    FTP_SERVERS="${to_stop[*]}" "${SUDO[@]}" bash spec/servers/stop.sh >/dev/null || true
  fi
}
trap stop EXIT

echo "== starting FTP servers (${to_stop[*]:-all already running})"
"${SUDO[@]}" bash spec/servers/start.sh
set -a
# shellcheck disable=SC1091
. "$STATE/ftpservers.env"
set +a

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(./...)
echo "== go test -race -count=1 -v ${args[*]}   (full output: $LOG)"
set +e
go test -race -count=1 -v "${args[@]}" >"$LOG" 2>&1
rc=$?
set -e
# summary: spec files per server, package results, failures with their text
grep -E -- '--- (PASS|FAIL|SKIP): TestSpecs/[^/]+/[^/]+$|--- (PASS|FAIL|SKIP): TestSpecs/[^/]+/[^/ ]+ \(' "$LOG" || true
if [ $rc != 0 ]; then
  echo "== failures"
  grep -E -B2 -A25 -- '--- FAIL|^panic:|build failed|\[setup failed\]' "$LOG" | head -400 || true
fi
grep -E '^(ok|FAIL|---|PASS)[[:space:]]' "$LOG" | grep -Ev '^--- (PASS|SKIP)' || true
exit $rc

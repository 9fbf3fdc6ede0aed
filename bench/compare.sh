#!/usr/bin/env bash
# bench/compare.sh: issue 9's side-by-side comparison in one command.
#
#   bash bench/compare.sh                     # about 12 minutes here
#   RUNS=5 TREE_RUNS=5 bash bench/compare.sh  # steadier medians, about 25 minutes
#
# On loopback vsftpd and proftpd (spec/servers/start.sh; started here if
# they are not running, and stopped again at the end), with ftplua and
# the peers Debian packages (curl, lftp, rclone, python3-ftputil; installed
# with apt-get when missing and run as root), every tool a process of its
# own, runs alternating between tools, medians of RUNS (TREE_RUNS for the
# tree, whose serial downloads take 10-20 s a run):
#
#   1. the hot paths: Go benchmarks of bench/ (listing parse, stat cache,
#      host.path.isfile from Lua on 10,000 cached entries, copy loops),
#      and the listing parser side by side with ftputil's (one core);
#   2. start-up: ftplua -e 'require("ftputil")' against
#      python3 -c 'import ftputil' (and lua5.1 -e '' when installed);
#   3. 1,000 small files uploaded one by one (bench/small.sh);
#   4. one 1 GiB file down and up (bench/transfer.sh);
#   5. the tree of 10,000 files in 100 directories: walk with a stat of
#      every entry, serial and parallel download (bench/tree.sh).
#
# The report, with every goal of issue 9 and whether it is met, goes to
# $OUT/compare.md (default bench/results/compare.md, not committed) and to
# stdout; docs/performance.md holds the latest one. Environment: RUNS (3),
# TREE_RUNS (2), OUT (bench/results), SERVERS ("vsftpd proftpd").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin"
RUNS=${RUNS:-3}
TREE_RUNS=${TREE_RUNS:-2}
OUT=${OUT:-bench/results}
SERVERS=${SERVERS:-"vsftpd proftpd"}
STATE=${FTP_STATE_DIR:-/tmp/ftplua-servers/state}
export FTP_STATE_DIR=$STATE
PY=/usr/bin/python3
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ftplua-compare.XXXXXX")
T0=$(date +%s)

# shellcheck source=bench/lib.sh
. bench/lib.sh
cleanup() {
  rm -rf "$WORK"
  bench_stop_servers
}
trap cleanup EXIT
# shellcheck disable=SC2086
bench_servers $SERVERS

# ---- peers -------------------------------------------------------------------
need=()
command -v bc >/dev/null || need+=(bc)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "compare.sh: run as root to install ${need[*]}" >&2; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; }
fi
bench_peers curl lftp rclone ftputil
if [ ${#bench_tools[@]} -lt 4 ]; then
  echo "compare.sh: every peer is needed (curl lftp rclone ftputil); run as root to install them" >&2
  exit 1
fi

# ---- 1. hot paths ---------------------------------------------------------------
echo "== 1. hot paths (go test -bench ./bench/) and the listing parser against ftputil"
go test -run '^$' -bench . -benchmem -count "$RUNS" ./bench/ >"$OUT/hotpaths.txt"
: >"$OUT/parse.txt"
for _ in $(seq "$RUNS"); do
  "$PY" parse/testdata/bench_ftputil.py >>"$OUT/parse.txt"
  (cd parse && GOMAXPROCS=1 go test -run '^$' -bench '^BenchmarkListing$' -benchtime 2s .) >>"$OUT/parse.txt"
done

# ---- 2. start-up ----------------------------------------------------------------------
echo "== 2. start-up"
go build -o "$WORK/ftplua" ./cmd/ftplua
startup() { # NAME COMMAND...: 20 runs, one line per run: name wall_s rss_kib
  local name=$1 t0 t1
  shift
  for _ in $(seq 20); do
    t0=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$WORK/rss" "$@" >/dev/null
    t1=$(date +%s%N)
    echo "$name $(((t1 - t0) / 1000)) $(cat "$WORK/rss")"
  done
}
{
  startup ftplua "$WORK/ftplua" -e 'require("ftputil")'
  startup python3-ftputil "$PY" -c 'import ftputil'
  if command -v lua5.1 >/dev/null; then startup lua5.1 lua5.1 -e ''; fi
} >"$OUT/startup.txt"

# ---- 3. small files, 4. one big file, 5. the tree -----------------------------------
echo "== 3. 1,000 small files"
RUNS=$RUNS SERVERS=$SERVERS OUT=$OUT bash bench/small.sh
echo "== 4. 1 GiB down and up"
RUNS=$RUNS SERVERS=$SERVERS OUT=$OUT TOOLS="ftplua ftplua-open curl rclone lftp ftputil" bash bench/transfer.sh
echo "== 5. the tree of 10,000 files"
rm -rf "$OUT/tree"
TREE_WALK_TOOLS="ftplua-walk ftplua-luawalk lftp-find" TREE_BENCH_OUT=$OUT/tree SERVERS=$SERVERS bash bench/tree.sh "$TREE_RUNS" >"$OUT/tree.md"

# ---- report ------------------------------------------------------------------------
{
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB, Linux $(uname -r), $(go version | cut -d' ' -f3)."
  echo "Peers: curl $(curl --version | awk 'NR==1{print $2}'), lftp $(lftp --version | awk 'NR==1{print $4}'), rclone $(rclone version | awk 'NR==1{print $2}'), ftputil $("$PY" -c 'import ftputil; print(ftputil.__version__)'), vsftpd, proftpd from Debian."
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); $RUNS runs of each measurement, $TREE_RUNS of each tree workload; $(($(date +%s) - T0)) s in all; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  "$PY" bench/compare_report.py "$OUT"
} >"$OUT/compare.md"
cat "$OUT/compare.md"

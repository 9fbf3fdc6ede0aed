#!/usr/bin/env bash
# 1,000 small files uploaded one by one over one connection (workload 4 of
# issue 9): ftplua (a Lua script calling host:upload in a loop, run by the
# ftplua command) side by side with curl (-T with a glob: one connection),
# lftp (mput), rclone (copy --transfers 1) and ftputil (host.upload in a
# loop), against the same loopback vsftpd and proftpd, in the same run.
# curl is not in the default set: with -T and a glob it waits about 0.2 s
# after each file here (vsftpd: 23 s for 100 files), which would make one
# run of 1,000 files take minutes; TOOLS="... curl" adds it.
# Every run is a process of its own under /usr/bin/time (wall, CPU, peak
# RSS); tools take turns; the table gives medians.
#
#   bash bench/small.sh                    3 rounds, vsftpd and proftpd
#   RUNS=5 SERVERS=vsftpd bash bench/small.sh
#
# Environment (defaults):
#   RUNS     3                 rounds
#   COUNT    1000              files per run
#   SIZE     4096              bytes per file
#   SERVERS  "vsftpd proftpd"  instances of spec/servers/start.sh (plain FTP)
#   TOOLS    "ftplua lftp rclone ftputil"
#   OUT      bench/results     where small.md and small.tsv go
#
# Servers that are not running are started with spec/servers/start.sh and
# stopped at the end; missing peers are installed with apt-get when run as
# root. Every upload is checked (COUNT files of SIZE bytes, identical to
# the sources) and deleted after its run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin"
RUNS=${RUNS:-3}
COUNT=${COUNT:-1000}
SIZE=${SIZE:-4096}
SERVERS=${SERVERS:-"vsftpd proftpd"}
TOOLS=${TOOLS:-"ftplua lftp rclone ftputil"}
OUT=${OUT:-bench/results}
STATE=${FTP_STATE_DIR:-/tmp/ftplua-servers/state}
export FTP_STATE_DIR=$STATE
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ftplua-small.XXXXXX")
DIR=ftplua-small-$$ # in each server root

# shellcheck source=bench/lib.sh
. bench/lib.sh
roots=()
cleanup() {
  for r in "${roots[@]-}"; do [ -n "$r" ] && rm -rf "${r:?}/$DIR"; done
  rm -rf "$WORK"
  bench_stop_servers
}
trap cleanup EXIT
# shellcheck disable=SC2086
bench_servers $SERVERS
# shellcheck disable=SC2086
bench_peers $TOOLS
tools=("${bench_tools[@]}")

echo "== building ftplua"
go build -o "$WORK/ftplua" ./cmd/ftplua
cat >"$WORK/upload.lua" <<'EOF'
-- ftplua's side: one host, host:upload of every file in turn
local url, src, dst, count = arg[1], arg[2], arg[3], tonumber(arg[4])
local ftputil = require("ftputil")
ftputil.session(url, function(host)
  host:mkdir(dst)
  for i = 1, count do
    local name = string.format("f%04d", i)
    host:upload(src .. "/" .. name, dst .. "/" .. name)
  end
end)
EOF
cat >"$WORK/upload.py" <<'EOF'
# ftputil's side: one host, host.upload of every file in turn
import sys, ftputil, ftputil.session
host, port, user, password, src, dst, count = sys.argv[1:8]
sf = ftputil.session.session_factory(port=int(port))
with ftputil.FTPHost(host, user, password, session_factory=sf) as h:
    h.mkdir(dst)
    for i in range(1, int(count) + 1):
        name = "f%04d" % i
        h.upload(src + "/" + name, dst + "/" + name)
EOF

echo "== $COUNT files of $SIZE bytes"
mkdir -p "$WORK/src"
for i in $(seq -f %04g 1 "$COUNT"); do head -c "$SIZE" /dev/urandom >"$WORK/src/f$i"; done
for s in $SERVERS; do
  r=$(envof "$s" ROOT)
  roots+=("$r")
  mkdir -p "$r/$DIR"
  chmod 777 "$r/$DIR"
done

# cmd SERVER TOOL TARGET: the command line of one run (TARGET: the remote
# folder, relative to the login directory, which it creates)
cmd() {
  local s=$1 tool=$2 t=$3 host port user pass last
  host=$(envof "$s" HOST) port=$(envof "$s" PORT) user=$(envof "$s" USER) pass=$(envof "$s" PASSWORD)
  last=$(printf %04d "$COUNT")
  case $tool in
  ftplua) echo "$WORK/ftplua $WORK/upload.lua ftp://$user:$pass@$host:$port/ $WORK/src $t $COUNT" ;;
  curl) echo "curl -sS --ftp-create-dirs -T '$WORK/src/f[0001-$last]' ftp://$user:$pass@$host:$port/$t/" ;;
  lftp) echo "lftp -c \"set ftp:ssl-allow no; set net:max-retries 1; open -u $user,$pass -p $port $host; mkdir $t; mput -O $t $WORK/src/*\"" ;;
  rclone) echo "rclone copy -q --config /dev/null --transfers 1 --checkers 1 --ftp-host $host --ftp-port $port --ftp-user $user --ftp-pass $(rclone obscure "$pass") $WORK/src :ftp:$t" ;;
  ftputil) echo "$PY $WORK/upload.py $host $port $user $pass $WORK/src $t $COUNT" ;;
  esac
}

mkdir -p "$OUT"
RAW=$OUT/small.tsv
printf 'server\ttool\tround\twall_s\tcpu_s\trss_kib\n' >"$RAW"
run() { # SERVER TOOL ROUND
  local s=$1 tool=$2 round=$3 root t got
  root=$(envof "$s" ROOT)
  t=$DIR/$tool-$round
  sync
  bench_timed "$s $tool" "$(cmd "$s" "$tool" "$t")" || return 1
  got=$(find "$root/$t" -type f -size "${SIZE}c" | wc -l)
  if [ "$got" != "$COUNT" ]; then
    echo "!! $s $tool: $got files of $SIZE bytes, want $COUNT" >&2
    return 1
  fi
  if [ "$round" = 1 ] && ! diff -rq "$WORK/src" "$root/$t" >/dev/null; then
    echo "!! $s $tool: content differs" >&2
    return 1
  fi
  rm -rf "${root:?}/$t"
  printf '%s\t%s\t%s\t%.3f\t%.2f\t%s\n' "$s" "$tool" "$round" "$bench_wall" "$bench_cpu" "$bench_rss" >>"$RAW"
  printf '   %-8s %-8s %6.2f s\n' "$s" "$tool" "$bench_wall"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for s in $SERVERS; do
  echo "== $s: $COUNT uploads, $RUNS rounds"
  for round in $(seq "$RUNS"); do
    n=${#tools[@]}
    for k in $(seq 0 $((n - 1))); do
      run "$s" "${tools[$(((k + round - 1) % n))]}" "$round"
    done
  done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r), $(go version | cut -d' ' -f3)."
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). $COUNT files of $SIZE bytes uploaded one by one, $RUNS rounds; load average $load0 before, $load1 after."
  echo
  echo "| server | tool | median s (min–max) | files/s | CPU s | peak RSS MiB | ftplua ÷ tool |"
  echo "|---|---|---|---|---|---|---|"
  awk -F'\t' -v count="$COUNT" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
  }
  NR > 1 {
    k = $1 SUBSEP $2
    if (!(k in n)) order[++nk] = k
    n[k]++; w[k, n[k]] = $4; c[k, n[k]] = $5; r[k, n[k]] = $6
  }
  END {
    for (i = 1; i <= nk; i++) {
      k = order[i]; m = n[k]; lo = 1e9; hi = 0
      delete a; delete b; delete d
      for (j = 1; j <= m; j++) { a[j] = w[k, j]; b[j] = c[k, j]; d[j] = r[k, j]; if (a[j] < lo) lo = a[j]; if (a[j] > hi) hi = a[j] }
      med[k] = median(a, m); cpu[k] = median(b, m); rss[k] = median(d, m)
    }
    for (i = 1; i <= nk; i++) {
      k = order[i]; split(k, p, SUBSEP); ratio = ""
      if (p[2] != "ftplua" && ((p[1], "ftplua") in med)) ratio = sprintf("%.2f", med[p[1], "ftplua"] / med[k])
      m = n[k]; lo = 1e9; hi = 0
      for (j = 1; j <= m; j++) { if (w[k, j] < lo) lo = w[k, j]; if (w[k, j] > hi) hi = w[k, j] }
      printf "| %s | %s | %.2f (%.2f–%.2f) | %.0f | %.2f | %.1f | %s |\n", p[1], p[2], med[k], lo, hi, count / med[k], cpu[k], rss[k] / 1024, ratio
    }
  }' "$RAW"
} >"$OUT/small.md"
echo
cat "$OUT/small.md"

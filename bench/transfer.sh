#!/usr/bin/env bash
# One big file up and down over loopback FTP: ftplua (through host.Open with
# io.Copy, and through host.Download/Upload) side by side with curl, rclone,
# lftp and ftputil, against the same vsftpd and proftpd, in the same run.
# Every transfer is a process of its own, measured with /usr/bin/time (peak
# RSS of the whole process, CPU) and a wall clock around it. The tools take
# turns (the order rotates each round); the table gives medians.
#
#   bash bench/transfer.sh                  5 rounds, 1 GiB, vsftpd and proftpd
#   RUNS=3 SIZE_MIB=256 SERVERS=vsftpd bash bench/transfer.sh
#
# Environment (defaults):
#   RUNS      5                rounds (every tool once per round and case)
#   SIZE_MIB  1024             size of the random file
#   SERVERS   "vsftpd proftpd" instances of spec/servers/start.sh (plain FTP)
#   TOOLS     "ftplua-open ftplua ftplua-buffered curl rclone lftp ftputil"
#             (ftplua-buffered: host.Open + io.Copy through the File's
#             buffer, without splice/sendfile, as over TLS)
#   OUT       bench/results    where the table (latest.md) and raw rows go
#   RAMDISK   0                1: put the local folder and the folder in each
#             server root on a tmpfs of their own (root only)
#
# Servers that are not running are started with spec/servers/start.sh and
# stopped at the end; missing peers are installed with apt-get when run as
# root, else skipped. The random file, its links in the server roots, and
# every download and upload are deleted at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/go/bin"
RUNS=${RUNS:-5}
SIZE_MIB=${SIZE_MIB:-1024}
SERVERS=${SERVERS:-"vsftpd proftpd"}
TOOLS=${TOOLS:-"ftplua-open ftplua ftplua-buffered curl rclone lftp ftputil"}
OUT=${OUT:-bench/results}
RAMDISK=${RAMDISK:-0}
STATE=${FTP_STATE_DIR:-/tmp/ftplua-servers/state}
export FTP_STATE_DIR=$STATE
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ftplua-bench.XXXXXX")
DIR=ftplua-bench-$$ # in each server root
SIZE=$((SIZE_MIB * 1024 * 1024))

# --- servers and peers -----------------------------------------------------
# shellcheck source=bench/lib.sh
. bench/lib.sh
roots=()
mounts=()
cleanup() {
  for m in "${mounts[@]-}"; do [ -n "$m" ] && umount "$m" 2>/dev/null; done
  for r in "${roots[@]-}"; do [ -n "$r" ] && rm -rf "${r:?}/$DIR"; done
  rm -rf "$WORK"
  bench_stop_servers
}
trap cleanup EXIT
# ramdisk DIR: with RAMDISK=1, DIR becomes a tmpfs of its own, so that
# neither a server writing an upload nor a tool writing a download waits
# for the disk (whose writeback throttling varies from run to run).
ramdisk() {
  [ "$RAMDISK" = 1 ] || return 0
  mount -t tmpfs -o size=$((SIZE_MIB * 2 + 64))m ftplua-bench "$1" && mounts+=("$1")
}
ramdisk "$WORK"
# shellcheck disable=SC2086
bench_servers $SERVERS
# shellcheck disable=SC2086
bench_peers $TOOLS
tools=("${bench_tools[@]}")
echo "== building bench/transfer"
go build -o "$WORK/ftplua-transfer" ./bench/transfer
cat >"$WORK/ftputil_bench.py" <<'EOF'
import sys, ftputil, ftputil.session
host, port, user, password, way, src, dst = sys.argv[1:8]
sf = ftputil.session.session_factory(port=int(port))
with ftputil.FTPHost(host, user, password, session_factory=sf) as h:
    (h.download if way == "down" else h.upload)(src, dst)
EOF

# --- the file --------------------------------------------------------------
echo "== $SIZE_MIB MiB of random data"
head -c "$SIZE" /dev/urandom >"$WORK/big.bin"
chmod 644 "$WORK/big.bin"
for s in $SERVERS; do
  r=$(envof "$s" ROOT)
  roots+=("$r")
  mkdir -p "$r/$DIR"
  ramdisk "$r/$DIR"
  chmod 777 "$r/$DIR"
  ln "$WORK/big.bin" "$r/$DIR/big.bin" 2>/dev/null || cp "$WORK/big.bin" "$r/$DIR/big.bin"
done
cat "$WORK/big.bin" >/dev/null # page cache warm

# --- one transfer ----------------------------------------------------------
# cmd SERVER WAY TOOL: the command line of one transfer
cmd() {
  local s=$1 way=$2 tool=$3 host port user pass rp
  host=$(envof "$s" HOST) port=$(envof "$s" PORT) user=$(envof "$s" USER) pass=$(envof "$s" PASSWORD)
  local remote=$DIR/big.bin local=$WORK/down.bin
  if [ "$way" = up ]; then remote=$DIR/up.bin local=$WORK/big.bin; fi
  case $tool in
  ftplua-open | ftplua | ftplua-buffered)
    local mode=download flags=
    [ "$way" = up ] && mode=upload
    [ "$tool" != ftplua ] && mode=$mode-open
    [ "$tool" = ftplua-buffered ] && flags=-buffered
    echo "$WORK/ftplua-transfer -server $s -mode $mode $flags -remote /$remote -local $local" ;;
  curl)
    if [ "$way" = up ]; then echo "curl -sS -T $local ftp://$user:$pass@$host:$port/$remote"
    else echo "curl -sS -o $local ftp://$user:$pass@$host:$port/$remote"; fi ;;
  rclone)
    rp=$(rclone obscure "$pass")
    local r="rclone copyto -q --config /dev/null --multi-thread-streams 0 --ftp-host $host --ftp-port $port --ftp-user $user --ftp-pass $rp"
    if [ "$way" = up ]; then echo "$r $local :ftp:$remote"; else echo "$r :ftp:$remote $local"; fi ;;
  lftp)
    local l="set ftp:ssl-allow no; set net:max-retries 1; set xfer:clobber on; open -u $user,$pass -p $port $host"
    if [ "$way" = up ]; then echo "lftp -c \"$l; put $local -o $remote\""
    else echo "lftp -c \"$l; get $remote -o $local\""; fi ;;
  ftputil)
    if [ "$way" = up ]; then echo "$PY $WORK/ftputil_bench.py $host $port $user $pass up $local /$remote"
    else echo "$PY $WORK/ftputil_bench.py $host $port $user $pass down /$remote $local"; fi ;;
  esac
}

mkdir -p "$OUT"
RAW=$OUT/latest.tsv
printf 'server\tway\ttool\tround\twall_s\tcpu_s\trss_kib\n' >"$RAW"
run() { # SERVER WAY TOOL ROUND
  local s=$1 way=$2 tool=$3 round=$4 root got target
  root=$(envof "$s" ROOT)
  target=$WORK/down.bin
  [ "$way" = up ] && target=$root/$DIR/up.bin
  rm -f "$target"
  # Every transfer starts with no dirty pages: uploads are written to disk
  # by the server, and writeback left over from the last transfer (its
  # throttling) would otherwise land on whoever comes next.
  sync
  bench_timed "$s $way $tool" "$(cmd "$s" "$way" "$tool")" || return 1
  got=$(stat -c %s "$target" 2>/dev/null || echo 0)
  if [ "$got" != "$SIZE" ]; then
    echo "!! $s $way $tool: $got bytes, want $SIZE" >&2
    return 1
  fi
  if [ "$round" = 1 ] && ! cmp -s "$target" "$WORK/big.bin"; then
    echo "!! $s $way $tool: content differs" >&2
    return 1
  fi
  rm -f "$target"
  printf '%s\t%s\t%s\t%s\t%.3f\t%.2f\t%s\n' "$s" "$way" "$tool" "$round" "$bench_wall" "$bench_cpu" "$bench_rss" >>"$RAW"
  printf '   %-8s %-4s %-12s %6.2f s\n' "$s" "$way" "$tool" "$bench_wall"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
others=$(pgrep -fc -- '-fuzz|-test.fuzz' || true)
for s in $SERVERS; do
  for way in down up; do
    echo "== $s $way"
    for round in $(seq 1 "$RUNS"); do
      n=${#tools[@]}
      for i in $(seq 0 $((n - 1))); do
        run "$s" "$way" "${tools[$(((i + round - 1) % n))]}" "$round"
      done
    done
  done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table -------------------------------------------------------------
{
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB, Linux $(uname -r), $(go version | cut -d' ' -f3)."
  echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'). $SIZE_MIB MiB of random data, $RUNS rounds; load average $load0 before, $load1 after; fuzzers running at the start: $others; files on tmpfs (RAMDISK): $RAMDISK."
  echo "Peers: curl $(curl --version 2>/dev/null | head -1 | cut -d' ' -f2), $(rclone version 2>/dev/null | head -1), lftp $(lftp --version 2>/dev/null | head -1 | awk '{print $4}'), ftputil $("$PY" -c 'import ftputil; print(ftputil.__version__)' 2>/dev/null)."
  echo
  "$PY" - "$RAW" "$SIZE_MIB" <<'EOF'
import sys, csv, statistics as st
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
mib = float(sys.argv[2])
cases = {}
for r in rows:
    cases.setdefault((r["server"], r["way"]), {}).setdefault(r["tool"], []).append(r)
names = {"ftplua-open": "ftplua `host.Open` + `io.Copy`", "ftplua": "ftplua `host.Download`/`Upload`",
         "ftplua-buffered": "ftplua `host.Open` + `io.Copy`, buffered (no splice/sendfile)",
         "curl": "curl", "rclone": "rclone `copyto --multi-thread-streams 0`", "lftp": "lftp `get`/`put`",
         "ftputil": "ftputil `download`/`upload`"}
print("| server | way | tool | median s (min–max) | MiB/s | CPU s | peak RSS MiB | Open ÷ tool | Download/Upload ÷ tool |")
print("|---|---|---|---|---|---|---|---|---|")
summary = []
for (s, way), tools in cases.items():
    med = {t: st.median(float(r["wall_s"]) for r in rs) for t, rs in tools.items()}
    for t, rs in tools.items():
        w = [float(r["wall_s"]) for r in rs]
        cpu = st.median(float(r["cpu_s"]) for r in rs)
        rss = max(int(r["rss_kib"]) for r in rs) / 1024
        ratios = ["", ""]
        if not t.startswith("ftplua"):
            for i, mine in enumerate(("ftplua-open", "ftplua")):
                if mine in med:
                    ratios[i] = "%.2f" % (med[mine] / med[t])
        print(f"| {s} | {way} | {names.get(t, t)} | {med[t]:.2f} ({min(w):.2f}–{max(w):.2f}) | {mib / med[t]:.0f} | {cpu:.2f} | {rss:.1f} | {ratios[0]} | {ratios[1]} |")
    peers = {t: m for t, m in med.items() if not t.startswith("ftplua")}
    # the best run of each tool too: this machine's noise only ever adds
    # time (the same transfer's CPU time varies up to threefold), so the
    # fastest run is the closest to what each tool costs
    low = {t: min(float(r["wall_s"]) for r in rs) for t, rs in tools.items()}
    lpeers = {t: m for t, m in low.items() if not t.startswith("ftplua")}
    if peers:
        best = min(peers, key=peers.get)
        lbest = min(lpeers, key=lpeers.get)
        for mine in ("ftplua-open", "ftplua"):
            if mine in med:
                summary.append(f"- {s} {way}: {names[mine]} {med[mine]:.2f} s, fastest peer {best} {peers[best]:.2f} s: ratio {med[mine] / peers[best]:.2f}"
                               f" (best runs: {low[mine]:.2f} s against {lbest}'s {lpeers[lbest]:.2f} s: {low[mine] / lpeers[lbest]:.2f})")
print()
print("\n".join(summary))
EOF
} >"$OUT/latest.md"
echo
cat "$OUT/latest.md"

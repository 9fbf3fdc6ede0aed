#!/usr/bin/env bash
# bench/tree.sh: the tree benchmark of issues 8 and 9. A tree of 10,000
# files of 1 KiB in 100 directories (bench/tree/dNNN/fNNNN) on the loopback
# vsftpd and proftpd of spec/servers/start.sh, three workloads, ftplua side
# by side with the tools people use:
#
#   parallel  download the tree, 8 at once: ftplua sync_plan + apply{parallel=8}
#             vs lftp mirror --parallel=8 and rclone copy --transfers 8
#             (goal: at most 0.7 x the faster of the two)
#   serial    download the tree one file at a time: apply{parallel=1}
#             vs ftputil walk + download (goal: at most 0.5 x ftputil)
#             and lftp mirror (no goal)
#   walk      walk the tree with a stat of every entry: host.Walk + Stat
#             from Go, and host:walk + host:stat in a Lua script, vs lftp
#             find -l (goal: at most 0.5 x lftp; one listing per
#             directory, no command per file)
#
# Usage: bench/tree.sh [RUNS]          (RUNS: runs per tool, default 3)
#   SERVERS="vsftpd proftpd"  WORKLOADS="parallel serial walk"  to narrow it.
#
# Needs the servers running (spec/servers/start.sh); installs lftp, rclone
# and python3-ftputil with apt when missing. Each run is one process under
# /usr/bin/time -v: wall time around it, CPU (user+sys) and peak RSS from
# it. Every tool connects from one loopback address of its own choosing
# (127.x.y.z, which Linux routes to lo), so the commands the server logged
# for the run are exactly the log lines with that address (vsftpd
# log_ftp_protocol, proftpd ExtendedLog), even while tests run alongside.
# Outputs are checked after every run (10,000 files of 1 KiB, or 10,000
# files listed). Runs alternate between tools. Downloads go to a local
# disk (see DEST below), one directory per run, all deleted at the end. Raw results and the command
# histograms of each tool's first run go to $TREE_BENCH_OUT (default: a
# temporary directory, printed at the end); downloads are deleted.
set -euo pipefail

RUNS=${1:-3}
SERVERS=${SERVERS:-vsftpd proftpd}
WORKLOADS=${WORKLOADS:-parallel serial walk}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENV_FILE=${FTP_ENV_FILE:-/tmp/ftplua-servers/state/ftpservers.env}
PY=/usr/bin/python3 # Debian's python, where python3-ftputil lives

if [ ! -r "$ENV_FILE" ]; then
  echo "tree.sh: $ENV_FILE missing: start the servers (spec/servers/start.sh)" >&2
  exit 1
fi
set -a; . "$ENV_FILE"; set +a

OUT=${TREE_BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/ftplua-tree-bench.XXXXXX")}
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ftplua-tree-work.XXXXXX")
# Downloads stay until the end: every run writes a directory of its own.
# Deleting 10,000 files just before a run would slow the next run's file
# creation on ext4 without a journal (the inode allocator skips inodes
# freed in the last minutes one by one: recently_deleted(); creating a
# file then took up to 0.7 ms of kernel CPU here), and that would fall on
# whichever tool runs next.
#
# By default (as root) the downloads go to a fresh ext4 file system with a
# journal, made in a sparse image file and mounted on a loop device: a
# local disk in the usual Linux state whatever the machine's own file
# system has just been through. TREE_BENCH_DEST=DIR writes under DIR
# instead (a disk folder, or /dev/shm to leave the disk out).
MNT=
cleanup() {
  echo "deleting the downloads..." >&2
  rm -rf "${DEST:-$WORK/none}"
  if [ -n "$MNT" ]; then umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -n "${TREE_BENCH_DEST:-}" ]; then
  DEST=$TREE_BENCH_DEST/ftplua-tree-downloads.$$
  DEST_DESC="$TREE_BENCH_DEST ($(df -T "$TREE_BENCH_DEST" | awk 'NR==2 {print $2}'))"
elif [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null &&
  truncate -s 8G "$WORK/fs.img" && mkfs.ext4 -q -F -N 600000 "$WORK/fs.img" &&
  mkdir -p "$WORK/mnt" && mount -o loop "$WORK/fs.img" "$WORK/mnt" 2>/dev/null; then
  MNT=$WORK/mnt
  DEST=$MNT/downloads
  DEST_DESC="a fresh ext4 file system (journal; 8 GiB sparse image on a loop device)"
else
  DEST=$WORK/downloads
  DEST_DESC="$WORK ($(df -T "$WORK" | awk 'NR==2 {print $2}'))"
fi
mkdir -p "$DEST"
RESULTS=$OUT/results.tsv
: >"$RESULTS"

# ---- peers ---------------------------------------------------------------
apt_install() { # package...
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}
command -v lftp >/dev/null || apt_install lftp
command -v rclone >/dev/null || apt_install rclone
"$PY" -c 'import ftputil' 2>/dev/null || apt_install python3-ftputil
[ -x /usr/bin/time ] || apt_install time

# ---- ftplua's side ---------------------------------------------------------
TREE=$WORK/tree
(cd "$ROOT" && go build -o "$TREE" ./bench/tree)

cat >"$WORK/ftputil_tree.py" <<'EOF'
# ftputil's way: walk the tree, download every file (host.download).
import ftplib, os, sys
import ftputil

host, port, user, password, bind, top, out = sys.argv[1:]

class Session(ftplib.FTP):
    def __init__(self, host, user, password):
        super().__init__(source_address=(bind, 0))
        self.connect(host, int(port))
        self.login(user, password)

with ftputil.FTPHost(host, user, password, session_factory=Session) as h:
    for dirpath, dirnames, filenames in h.walk(top):
        local = os.path.join(out, os.path.relpath(dirpath, top))
        os.makedirs(local, exist_ok=True)
        for name in filenames:
            h.download(h.path.join(dirpath, name), os.path.join(local, name))
EOF

# ---- the tree ----------------------------------------------------------------
for s in $SERVERS; do
  S=$(echo "$s" | tr 'a-z-' 'A-Z_')
  root=$(eval echo "\${FTP_${S}_ROOT:-}")
  if [ -z "$root" ] || [ ! -d "$root" ]; then
    echo "tree.sh: no root for server $s in $ENV_FILE" >&2; exit 1
  fi
  if ! "$TREE" -mode count -local "$root/bench/tree" 2>/dev/null | grep -q '^files=10000 '; then
    echo "creating $root/bench/tree (10,000 x 1 KiB)" >&2
    rm -rf "$root/bench/tree"
    mkdir -p "$root/bench"
    "$TREE" -mode mktree -local "$root/bench/tree"
    chown -R --reference="$root" "$root/bench" 2>/dev/null || true
  fi
done

# one loopback address for this invocation's connections
pick_ip() {
  local ip
  for _ in $(seq 20); do
    ip=127.$((100 + RANDOM % 150)).$((1 + RANDOM % 254)).$((1 + RANDOM % 254))
    if ! grep -qi "$(printf '%02X%02X%02X%02X' $(echo "$ip" | tr . ' ' | awk '{print $4, $3, $2, $1}'))" /proc/net/tcp; then
      echo "$ip"; return
    fi
  done
  echo 127.77.0.1
}
IP=$(pick_ip)

# ---- one run -------------------------------------------------------------------
# cmd_for SERVER WORKLOAD TOOL DEST: the command line of one run
cmd_for() {
  local s=$1 w=$2 tool=$3 dest=$4 S host port user pass
  S=$(echo "$s" | tr 'a-z-' 'A-Z_')
  host=$(eval echo "\$FTP_${S}_HOST"); port=$(eval echo "\$FTP_${S}_PORT")
  user=$(eval echo "\$FTP_${S}_USER"); pass=$(eval echo "\$FTP_${S}_PASSWORD")
  local lftp_open="set ftp:ssl-allow no; set net:socket-bind-ipv4 $IP; set cmd:fail-exit yes"
  case $tool in
    ftplua-p8) echo "exec $TREE -mode apply -parallel 8 -server $s -bind $IP -local $dest" ;;
    ftplua-p1) echo "exec $TREE -mode apply -parallel 1 -server $s -bind $IP -local $dest" ;;
    ftplua-walk) echo "exec $TREE -mode walk -listahead 0 -server $s -bind $IP" ;;
    ftplua-walk-la3) echo "exec $TREE -mode walk -listahead 3 -server $s -bind $IP" ;;
    ftplua-luawalk) echo "exec $TREE -mode luawalk -server $s -bind $IP" ;;
    lftp-p1) echo "exec lftp -u $user,$pass -p $port -e '$lftp_open; mirror bench/tree $dest; quit' $host" ;;
    lftp-p8) echo "exec lftp -u $user,$pass -p $port -e '$lftp_open; mirror --parallel=8 bench/tree $dest; quit' $host" ;;
    lftp-find) echo "exec lftp -u $user,$pass -p $port -e '$lftp_open; find -l bench/tree; quit' $host" ;;
    rclone-t8) echo "exec rclone copy --config /dev/null --transfers 8 --bind $IP ':ftp,host=$host,port=$port,user=$user,pass=$(rclone obscure "$pass"):bench/tree' $dest" ;;
    ftputil) echo "exec $PY $WORK/ftputil_tree.py $host $port $user $pass $IP bench/tree $dest" ;;
  esac
}

# log_cmds SERVER OFFSET: commands from $IP logged after OFFSET; the
# histogram (by verb) goes to stdout of the second form
log_lines() {
  local s=$1 off=$2 S log
  S=$(echo "$s" | tr 'a-z-' 'A-Z_')
  log=$(eval echo "\${FTP_${S}_LOG:-}")
  [ -n "$log" ] && [ -r "$log" ] || return 0
  case $s in
    vsftpd*) tail -c +$((off + 1)) "$log" | grep -a "FTP command: Client \"$IP\"" | sed 's/.*FTP command: Client "[^"]*", "//; s/"$//' ;;
    proftpd*) tail -c +$((off + 1)) "$log" | grep -a " $IP " | awk '{print $4, $5}' | sed 's/ ->.*//' ;;
  esac
}
log_size() {
  local S log
  S=$(echo "$1" | tr 'a-z-' 'A-Z_')
  log=$(eval echo "\${FTP_${S}_LOG:-}")
  if [ -n "$log" ] && [ -r "$log" ]; then stat -c %s "$log"; else echo 0; fi
}

run_one() { # SERVER WORKLOAD TOOL RUN
  local s=$1 w=$2 tool=$3 r=$4 cmd off t0 t1 wall cpu rss n ok
  local dest=$DEST/$s-$w-$tool-$r
  cmd=$(cmd_for "$s" "$w" "$tool" "$dest")
  off=$(log_size "$s")
  sync
  t0=$(date +%s.%N)
  if /usr/bin/time -v -o "$WORK/time" bash -c "$cmd" >"$WORK/stdout" 2>"$WORK/stderr"; then ok=1; else ok=0; fi
  t1=$(date +%s.%N)
  sleep 0.3 # let the servers write their logs
  log_lines "$s" "$off" >"$WORK/cmds"
  n=$(wc -l <"$WORK/cmds")
  if [ "$r" = 1 ]; then
    awk '{print $1}' "$WORK/cmds" | sort | uniq -c | sort -rn >"$OUT/cmds-$s-$w-$tool.txt"
  fi
  # check the output
  if [ $ok = 1 ]; then
    case $w in
      walk)
        if [ "${tool#ftplua-}" != "$tool" ]; then
          grep -q ' files=10000 dirs=100 ' "$WORK/stdout" || ok=0
        else
          [ "$(grep -c '^-' "$WORK/stdout")" = 10000 ] || ok=0
        fi ;;
      *) "$TREE" -mode count -local "$dest" 2>/dev/null | grep -q '^files=10000 bytes=10240000$' || ok=0 ;;
    esac
  fi
  [ $ok = 1 ] || { echo "FAILED: $s $w $tool run $r" >&2; tail -5 "$WORK/stderr" >&2; }
  wall=$(echo "$t0 $t1" | awk '{printf "%.3f", $2 - $1}')
  cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u + s}' "$WORK/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$WORK/time")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$w" "$tool" "$r" "$wall" "$cpu" "$rss" "$n" "$ok" >>"$RESULTS"
  printf '  %-8s %-8s %-12s run %s: %7.2f s  cpu %6.2f s  rss %6.1f MiB  cmds %6d%s\n' \
    "$s" "$w" "$tool" "$r" "$wall" "$cpu" "$rss" "$n" "$([ $ok = 1 ] || echo '  FAILED')" >&2
}

tools_of() {
  case $1 in
    parallel) echo "ftplua-p8 lftp-p8 rclone-t8" ;;
    serial) echo "ftplua-p1 ftputil lftp-p1" ;;
    walk) echo "${TREE_WALK_TOOLS:-ftplua-walk ftplua-walk-la3 ftplua-luawalk lftp-find}" ;;
  esac
}

echo "tree benchmark: $RUNS runs per tool, servers: $SERVERS; connecting from $IP" >&2
echo "downloads to: $DEST_DESC" >&2
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
busy=$(pgrep -fa 'fuzz|bench' | grep -v -e "$0" -e pgrep -e "$WORK" | head -3 || true)
[ -z "$busy" ] || echo "note: running alongside: $busy" >&2
start=$(date +%s)
for s in $SERVERS; do
  for w in $WORKLOADS; do
    for r in $(seq "$RUNS"); do
      for tool in $(tools_of "$w"); do
        run_one "$s" "$w" "$tool" "$r"
      done
    done
  done
done
echo "total $(($(date +%s) - start)) s; load at the end $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# ---- summary -------------------------------------------------------------------
awk -F'\t' '
function median(a, n,   i, j, t) {
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
  return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{
  k = $1 SUBSEP $2 SUBSEP $3
  if (!(k in n)) { order[++nk] = k }
  n[k]++; wall[k, n[k]] = $5 + 0; cpu[k, n[k]] = $6 + 0; rss[k, n[k]] = $7 + 0; cmds[k, n[k]] = $8 + 0
  if ($9 != 1) bad[k]++
}
END {
  print "| server | workload | tool | median s (min-max) | CPU s | max RSS MiB | cmds | ok |"
  print "|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= nk; i++) {
    k = order[i]; split(k, p, SUBSEP); m = n[k]
    delete w; delete c; delete r; delete q
    lo = 1e9; hi = 0
    for (j = 1; j <= m; j++) {
      w[j] = wall[k, j]; c[j] = cpu[k, j]; r[j] = rss[k, j]; q[j] = cmds[k, j]
      if (w[j] < lo) lo = w[j]; if (w[j] > hi) hi = w[j]
    }
    med[k] = median(w, m)
    printf "| %s | %s | %s | %.2f (%.2f-%.2f) | %.2f | %.1f | %d | %s |\n", p[1], p[2], p[3], med[k], lo, hi, median(c, m), median(r, m), median(q, m), bad[k] ? bad[k] " failed" : "yes"
  }
  print ""
  print "| server | workload | ftplua / peer (medians) | goal | met |"
  print "|---|---|---|---|---|"
  for (i = 1; i <= nk; i++) {
    split(order[i], p, SUBSEP)
    s = p[1]; wl = p[2]; t = p[3]
    if (t !~ /^ftplua/) continue
    ours = med[s, wl, t]
    if (wl == "parallel") {
      a = med[s, wl, "lftp-p8"]; b = med[s, wl, "rclone-t8"]
      peer = (a < b) ? a : b; name = (a < b) ? "lftp mirror --parallel=8" : "rclone copy --transfers 8"; goal = 0.7
    } else if (wl == "serial") {
      peer = med[s, wl, "ftputil"]; name = "ftputil"; goal = 0.5
    } else {
      peer = med[s, wl, "lftp-find"]; name = "lftp find -l"; goal = 0.5
    }
    if (peer > 0) printf "| %s | %s | %s %.2f / %.2f = **%.2f** x %s | <= %.1f | %s |\n", s, wl, t, ours, peer, ours / peer, name, goal, (ours / peer <= goal) ? "yes" : "no"
  }
}' "$RESULTS"
echo "raw results: $RESULTS; command histograms: $OUT/cmds-*.txt" >&2

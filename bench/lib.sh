# bench/lib.sh: what the benchmark scripts share. Sourced from the
# repository's root by transfer.sh, small.sh and compare.sh, after they
# set STATE (the state folder of spec/servers/start.sh) and PY.

# bench_servers NAME...: starts those instances of spec/servers/start.sh
# that do not run (bench_stop_servers stops them again) and loads the
# servers' environment file.
bench_started=()
bench_servers() {
  local s pf
  for s in "$@"; do
    pf=$STATE/pids/$s.pid
    if ! { [ -e "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null; }; then bench_started+=("$s"); fi
  done
  if [ ${#bench_started[@]} -gt 0 ]; then
    echo "== starting ${bench_started[*]}"
    FTP_SERVERS="${bench_started[*]}" bash spec/servers/start.sh >/dev/null
  fi
  set -a
  # shellcheck disable=SC1091
  . "$STATE/ftpservers.env"
  set +a
}

bench_stop_servers() {
  if [ ${#bench_started[@]} -gt 0 ]; then
    FTP_SERVERS="${bench_started[*]}" bash spec/servers/stop.sh >/dev/null 2>&1 || true
  fi
}

# envof SERVER FIELD: a value of the environment file (envof vsftpd PORT).
envof() { local k; k=FTP_$(echo "$1" | tr a-z- A-Z_)_$2; echo "${!k}"; }

# bench_peer_ok TOOL: whether a peer tool is installed (ftplua always is).
bench_peer_ok() {
  case $1 in
  curl | rclone | lftp) command -v "$1" >/dev/null ;;
  ftputil) "$PY" -c 'import ftputil' 2>/dev/null ;;
  esac
}

# bench_peers TOOL...: installs the missing peers with apt-get when run as
# root, and sets bench_tools to the tools that can run (saying which not).
bench_tools=()
bench_peers() {
  local t need=()
  for t in "$@"; do
    bench_peer_ok "$t" && continue
    case $t in
    curl | rclone | lftp) need+=("$t") ;;
    ftputil) need+=(python3-ftputil) ;;
    esac
  done
  if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
    echo "== apt-get install ${need[*]}"
    apt-get install -y "${need[@]}" >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && apt-get install -y "${need[@]}" >/dev/null 2>&1; } || true
  fi
  bench_tools=()
  for t in "$@"; do
    if bench_peer_ok "$t"; then bench_tools+=("$t"); else echo "== $t missing: skipped"; fi
  done
}

# bench_timed LABEL COMMAND: runs COMMAND (a shell string) as a process of
# its own under /usr/bin/time, its output to $WORK/log.txt, and sets
# bench_wall (seconds), bench_cpu (user+sys seconds) and bench_rss (peak
# KiB). A failure is reported with LABEL and the log; it returns 1.
bench_timed() {
  local label=$1 c=$2 t0 t1 u sy
  t0=$(date +%s.%N)
  if ! eval "/usr/bin/time -f '%M %U %S' -o $WORK/time.txt $c" >"$WORK/log.txt" 2>&1; then
    echo "!! $label failed: $c" >&2
    cat "$WORK/log.txt" >&2
    return 1
  fi
  t1=$(date +%s.%N)
  read -r bench_rss u sy <"$WORK/time.txt"
  bench_wall=$(echo "$t1 - $t0" | bc)
  bench_cpu=$(echo "$u + $sy" | bc)
}

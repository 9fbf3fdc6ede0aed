#!/usr/bin/env bash
# Stop the servers started by start.sh: only the processes named in
# $FTP_STATE_DIR/pids/*.pid (each is a setsid process-group leader; its group,
# i.e. the daemon and its session children, is signalled). Never by name.
#   FTP_SERVERS="vsftpd proftpd" stop.sh   only those instances
#   FTP_PURGE=1 stop.sh   also removes $FTP_STATE_DIR and $FTP_FIXTURES
set -uo pipefail
FTP_STATE_DIR=${FTP_STATE_DIR:-/tmp/ftplua-servers/state}
FTP_FIXTURES=${FTP_FIXTURES:-/tmp/ftplua-servers/roots}
FTP_OPT=${FTP_OPT:-/opt/ftpservers/root}
ST=$FTP_STATE_DIR

ours() { # pid -> 0 if it is one of our daemons
  local exe; exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
  case "$exe" in "$FTP_OPT"/*|*/python3*) return 0;; esac
  return 1
}

for pf in "$ST"/pids/*.pid; do
  [ -e "$pf" ] || continue
  name=$(basename "$pf" .pid); pid=$(cat "$pf")
  if [ -n "${FTP_SERVERS:-}" ] && [[ " $FTP_SERVERS " != *" $name "* ]]; then continue; fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ours "$pid"; then
    pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
    if [ "$pgid" = "$pid" ]; then target=(-- "-$pid"); else target=("$pid"); fi
    kill -TERM "${target[@]}" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "${target[@]}" 2>/dev/null; fi
    # session children left in the group (e.g. a client still connected)
    [ "$pgid" = "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null
    echo "stopped $name (pid $pid)"
  else
    echo "$name not running"
  fi
  rm -f "$pf"
done
if [ "${FTP_PURGE:-0}" = 1 ]; then
  rm -rf "$ST" "$FTP_FIXTURES"
  echo "purged $ST $FTP_FIXTURES"
fi
exit 0

#!/usr/bin/env bash
# Start loopback FTP test servers (vsftpd, proftpd, pure-ftpd, pyftpdlib; plain
# and explicit-FTPS variants) as background daemons without systemd.
#
#   spec/servers/start.sh            # install if needed, start all
#   FTP_SERVERS="vsftpd proftpd" spec/servers/start.sh
#   . /tmp/ftplua-servers/state/ftpservers.env      # then use $FTP_VSFTPD_PORT etc.
#
# Re-running is safe: servers already running (per pid file) are left alone.
# Stop with stop.sh (kills only the process groups recorded in pid files).
#
# Environment (defaults):
#   FTP_SERVERS      "vsftpd vsftpd-tls proftpd proftpd-tls pureftpd pureftpd-tls pyftpdlib pyftpdlib-tls"
#   FTP_HOST         127.0.0.1            (loopback only)
#   FTP_USER / FTP_PASSWORD   ftptest / ftptest (a system user is created)
#   FTP_FIXTURES     /tmp/ftplua-servers/roots    (root of instance NAME is $FTP_FIXTURES/NAME)
#   FTP_STATE_DIR    /tmp/ftplua-servers/state       (configs, pids, logs, certs, env file)
#   FTP_OPT          /opt/ftpservers/root (server binaries extracted from .debs)
#   FTP_PORT_BASE    10000 -> vsftpd 10021, vsftpd-tls 10022, proftpd 10031, proftpd-tls 10032,
#                             pureftpd 10041, pureftpd-tls 10042, pyftpdlib 10051, pyftpdlib-tls 10052
#   FTP_PASV_BASE    30000 -> instance i gets passive ports BASE+100*i .. BASE+100*i+99
#   FTP_LOG_PROTOCOL 1     log every command (vsftpd, proftpd, pyftpdlib) to $FTP_STATE_DIR/logs/NAME.log
#   FTP_TLS_SESSION_REUSE 1  vsftpd/proftpd require TLS session resumption on data connections (their default)
#   FTP_CLEAN        0     1 = wipe each instance root before starting
#   FTP_SEED         1     1 = (re)create the small sample/ tree in each root
#   FTP_INSTALL      1     0 = never call apt-get
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FTP_SERVERS=${FTP_SERVERS:-"vsftpd vsftpd-tls proftpd proftpd-tls pureftpd pureftpd-tls pyftpdlib pyftpdlib-tls"}
FTP_HOST=${FTP_HOST:-127.0.0.1}
FTP_USER=${FTP_USER:-ftptest}
FTP_PASSWORD=${FTP_PASSWORD:-ftptest}
FTP_FIXTURES=${FTP_FIXTURES:-/tmp/ftplua-servers/roots}
FTP_STATE_DIR=${FTP_STATE_DIR:-/tmp/ftplua-servers/state}
FTP_OPT=${FTP_OPT:-/opt/ftpservers/root}
FTP_PORT_BASE=${FTP_PORT_BASE:-10000}
FTP_PASV_BASE=${FTP_PASV_BASE:-30000}
FTP_LOG_PROTOCOL=${FTP_LOG_PROTOCOL:-1}
FTP_TLS_SESSION_REUSE=${FTP_TLS_SESSION_REUSE:-1}
FTP_CLEAN=${FTP_CLEAN:-0}
FTP_SEED=${FTP_SEED:-1}
FTP_INSTALL=${FTP_INSTALL:-1}

case "$FTP_HOST" in 127.*|::1|localhost) ;; *) echo "FTP_HOST must be a loopback address" >&2; exit 2;; esac
[ "$(id -u)" = 0 ] || { echo "start.sh must run as root" >&2; exit 2; }

ST=$FTP_STATE_DIR
mkdir -p "$ST"/{pids,logs,run,conf,tls} "$FTP_FIXTURES"
chmod 755 "$ST" "$ST/logs" "$FTP_FIXTURES"

log() { printf '[ftpservers] %s\n' "$*" >&2; }

# index -> port offset / passive range
idx_of() {
  case $1 in
    vsftpd) echo 0;; vsftpd-tls) echo 1;; proftpd) echo 2;; proftpd-tls) echo 3;;
    pureftpd) echo 4;; pureftpd-tls) echo 5;; pyftpdlib) echo 6;; pyftpdlib-tls) echo 7;;
    *) echo "unknown server $1" >&2; return 1;;
  esac
}
port_of() { local i; i=$(idx_of "$1"); echo $((FTP_PORT_BASE + 21 + 10 * (i / 2) + i % 2)); }
pasv_min() { echo $((FTP_PASV_BASE + 100 * $(idx_of "$1"))); }
pasv_max() { echo $(($(pasv_min "$1") + 99)); }

# ---------------------------------------------------------------- install
APT_UPDATED=0
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$FTP_INSTALL" = 1 ] || { log "missing packages: ${missing[*]} (FTP_INSTALL=0)"; return 1; }
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null 2>&1; APT_UPDATED=1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  }
}

install_all() {
  # runtime libraries of the three servers + tools used here
  # python3-ftputil: the reference implementation, for host/ftputil_diff_test.go;
  # tmux: the terminal test of the REPL (cmd/ftplua)
  apt_install openssl curl python3 python3-pyftpdlib python3-openssl python3-ftputil tmux util-linux passwd \
    libcap2 libpam0g libpam-modules libwrap0 libssl3 libacl1 libcrypt1 libidn2-0 libhiredis0.14 \
    libmemcached11 libmemcachedutil2 libpcre2-8-0 libpcre2-posix3 libsodium23 zlib1g
  # vsftpd, proftpd-core and pure-ftpd all "Conflicts: ftp-server", so apt can
  # install only one of them.  Unpack the official .debs under $FTP_OPT instead.
  local need=0
  [ -x "$FTP_OPT/usr/sbin/vsftpd" ] || need=1
  [ -x "$FTP_OPT/usr/sbin/proftpd" ] || need=1
  [ -f "$FTP_OPT/usr/lib/proftpd/mod_tls.so" ] || need=1
  [ -x "$FTP_OPT/usr/sbin/pure-ftpd" ] || need=1
  [ -x "$FTP_OPT/usr/bin/pure-pw" ] || need=1
  [ $need = 1 ] || return 0
  [ "$FTP_INSTALL" = 1 ] || { log "server binaries missing under $FTP_OPT (FTP_INSTALL=0)"; return 1; }
  local tmp; tmp=$(mktemp -d); chmod 777 "$tmp"
  log "apt-get download vsftpd proftpd-core proftpd-mod-crypto pure-ftpd -> $FTP_OPT"
  ( cd "$tmp" && { apt-get download -qq vsftpd proftpd-core proftpd-mod-crypto pure-ftpd >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1; apt-get download -qq vsftpd proftpd-core proftpd-mod-crypto pure-ftpd >/dev/null; }; } )
  mkdir -p "$FTP_OPT"
  local d; for d in "$tmp"/*.deb; do dpkg-deb -x "$d" "$FTP_OPT"; done
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- user, cert
ensure_user() {
  if ! id "$FTP_USER" >/dev/null 2>&1; then
    useradd --no-create-home --home-dir "$FTP_FIXTURES" --shell /bin/sh "$FTP_USER"
  fi
  echo "$FTP_USER:$FTP_PASSWORD" | chpasswd
  getent group nogroup >/dev/null || groupadd nogroup
}

CERT=$ST/tls/cert.pem KEY=$ST/tls/key.pem
ensure_cert() {
  if [ ! -s "$CERT" ] || [ ! -s "$KEY" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
      -keyout "$KEY" -out "$CERT" >/dev/null 2>&1
  fi
  cat "$CERT" "$KEY" > "$ST/tls/combined.pem"
  chown root:"$(id -gn "$FTP_USER")" "$KEY" "$ST/tls/combined.pem"
  chmod 640 "$KEY" "$ST/tls/combined.pem"; chmod 644 "$CERT"; chmod 755 "$ST/tls"
}

# ---------------------------------------------------------------- fixtures
seed_root() {
  local r=$1
  [ "$FTP_CLEAN" = 1 ] && find "$r" -mindepth 1 -delete 2>/dev/null || true
  mkdir -p "$r"
  if [ "$FTP_SEED" = 1 ]; then
    rm -rf "$r/sample"
    mkdir -p "$r/sample/subdir" "$r/sample/olddir"
    echo hello > "$r/sample/file.txt"
    echo old > "$r/sample/old.txt"
    echo hidden > "$r/sample/.hidden"
    echo space > "$r/sample/with space.txt"
    echo utf8 > "$r/sample/$(printf 'caf\xc3\xa9.txt')"
    echo inner > "$r/sample/subdir/inner.txt"
    ln -s file.txt "$r/sample/link"
    ln -s subdir "$r/sample/dirlink"
    ln -s missing "$r/sample/broken"
    touch -d '2015-03-04 05:06:07 UTC' "$r/sample/old.txt" "$r/sample/olddir"
    touch -h -d '2016-07-08 09:10:11 UTC' "$r/sample/link"
  fi
  chown -R -h "$FTP_USER": "$r"
  chmod 755 "$r"
}

# ---------------------------------------------------------------- process helpers
pidfile() { echo "$ST/pids/$1.pid"; }
is_running() {
  local pf; pf=$(pidfile "$1")
  [ -s "$pf" ] || return 1
  local pid; pid=$(cat "$pf")
  kill -0 "$pid" 2>/dev/null || return 1
  local exe; exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  case "$exe" in "$FTP_OPT"/*|*/python3*) return 0;; esac
  return 1
}
port_busy() { (exec 3<>"/dev/tcp/$FTP_HOST/$1") 2>/dev/null; }
launch() { # name cmd...
  local name=$1; shift
  # setsid: the daemon leads its own process group, so stop.sh can end it and
  # its per-session children together.
  setsid "$@" >>"$ST/logs/$name.out" 2>&1 </dev/null &
  echo $! > "$(pidfile "$name")"
}
wait_ready() { # name port tls
  local i
  for i in $(seq 1 100); do
    port_busy "$2" && return 0
    kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null || break
    sleep 0.1
  done
  log "$1 did not come up; last log lines:"; tail -n 20 "$ST/logs/$1.out" >&2 || true
  return 1
}

render() { # template out  (replaces @VARS@ from the environment of the call)
  local t=$1 out=$2
  python3 - "$t" "$out" <<'PY'
import os, re, sys
src = open(sys.argv[1]).read()
def sub(m):
    k = m.group(1)
    if k not in os.environ:
        sys.exit("template var %s not set" % k)
    return os.environ[k]
open(sys.argv[2], "w").write(re.sub(r"@([A-Z_]+)@", sub, src))
PY
}

# ---------------------------------------------------------------- per server
start_vsftpd() { # name tls
  local name=$1 tls=$2 root=$FTP_FIXTURES/$1 conf=$ST/conf/$1.conf
  mkdir -p "$ST/vsftpd-empty"; chown root:root "$ST/vsftpd-empty"; chmod 755 "$ST/vsftpd-empty"
  local block=""
  if [ "$tls" = 1 ]; then
    block=$(sed -e "s#@CERT@#$CERT#; s#@KEY@#$KEY#; s#@SSL_REUSE@#$( [ "$FTP_TLS_SESSION_REUSE" = 1 ] && echo YES || echo NO)#" "$HERE/vsftpd-tls.block")
  fi
  NAME=$name HOST=$FTP_HOST PORT=$(port_of "$name") ROOT=$root STATE=$ST \
  PASV_MIN=$(pasv_min "$name") PASV_MAX=$(pasv_max "$name") \
  LOGPROTO=$( [ "$FTP_LOG_PROTOCOL" = 1 ] && echo YES || echo NO) LOG=$ST/logs/$name.log \
  TLS_BLOCK="$block" render "$HERE/vsftpd.conf.tmpl" "$conf"
  chmod 600 "$conf"
  launch "$name" "$FTP_OPT/usr/sbin/vsftpd" "$conf"
}

start_proftpd() {
  local name=$1 tls=$2 root=$FTP_FIXTURES/$1 conf=$ST/conf/$1.conf
  local uid gid hash
  uid=$(id -u "$FTP_USER"); gid=$(id -g "$FTP_USER")
  hash=$(openssl passwd -6 "$FTP_PASSWORD")
  printf '%s:%s:%s:%s::%s:/bin/sh\n' "$FTP_USER" "$hash" "$uid" "$gid" "$root" > "$ST/conf/$name.passwd"
  printf '%s:x:%s:\n' "$(id -gn "$FTP_USER")" "$gid" > "$ST/conf/$name.group"
  chmod 600 "$ST/conf/$name.passwd" "$ST/conf/$name.group"
  local block="" opts=""
  [ "$FTP_TLS_SESSION_REUSE" = 1 ] || opts="TLSOptions NoSessionReuseRequired"
  if [ "$tls" = 1 ]; then
    block=$(sed -e "s#@CERT@#$CERT#; s#@KEY@#$KEY#; s#@STATE@#$ST#; s#@NAME@#$name#; s#@TLS_OPTIONS@#$opts#" "$HERE/proftpd-tls.block")
  fi
  NAME=$name HOST=$FTP_HOST PORT=$(port_of "$name") STATE=$ST MODPATH=$FTP_OPT/usr/lib/proftpd \
  PASV_MIN=$(pasv_min "$name") PASV_MAX=$(pasv_max "$name") LOG=$ST/logs/$name.log \
  TLS_BLOCK="$block" render "$HERE/proftpd.conf.tmpl" "$conf"
  sed -i "s#^AuthUserFile .*#AuthUserFile $ST/conf/$name.passwd#; s#^AuthGroupFile .*#AuthGroupFile $ST/conf/$name.group#" "$conf"
  [ "$FTP_LOG_PROTOCOL" = 1 ] || sed -i 's/^ExtendedLog /# ExtendedLog /' "$conf"
  "$FTP_OPT/usr/sbin/proftpd" -t -c "$conf" >"$ST/logs/$name.configtest" 2>&1 ||
    { log "proftpd config test failed for $name"; cat "$ST/logs/$name.configtest" >&2; return 1; }
  launch "$name" "$FTP_OPT/usr/sbin/proftpd" -n -c "$conf"
}

start_pureftpd() {
  local name=$1 tls=$2 root=$FTP_FIXTURES/$1
  local pw=$ST/conf/$name.pureftpd.passwd db=$ST/conf/$name.pureftpd.pdb
  rm -f "$pw" "$db"
  printf '%s\n%s\n' "$FTP_PASSWORD" "$FTP_PASSWORD" |
    "$FTP_OPT/usr/bin/pure-pw" useradd "$FTP_USER" -u "$FTP_USER" -g "$(id -gn "$FTP_USER")" \
      -d "$root" -f "$pw" >/dev/null
  # pure-pw hashes with argon2id at a cost that makes every login take ~3.5 s on these
  # machines; a SHA-512 crypt hash (which pure-ftpd also accepts) makes it instant.
  local fast; fast=$(openssl passwd -6 "$FTP_PASSWORD")
  awk -F: -v OFS=: -v h="$fast" -v u="$FTP_USER" '$1 == u { $2 = h } { print }' "$pw" >"$pw.new" && mv "$pw.new" "$pw"
  "$FTP_OPT/usr/bin/pure-pw" mkdb "$db" -f "$pw"
  local args=(-S "$FTP_HOST,$(port_of "$name")" -p "$(pasv_min "$name"):$(pasv_max "$name")" -P "$FTP_HOST"
              -l "puredb:$db" -E -H -A -c 50 -O "clf:$ST/logs/$name.xferlog")
  # defaults worth knowing: -c 50 clients (capped to half the passive ports),
  # no per-IP limit (-C), -L 2000:5 (LIST shows at most 2000 entries, depth 5)
  [ "$tls" = 1 ] && args+=(-Y 2 -2 "$CERT,$KEY")
  launch "$name" "$FTP_OPT/usr/sbin/pure-ftpd" "${args[@]}"
}

start_pyftpdlib() {
  local name=$1 tls=$2 root=$FTP_FIXTURES/$1
  install -m 644 "$HERE/pyftpd.py" "$ST/conf/pyftpd.py"
  touch "$ST/logs/$name.log"; chown "$FTP_USER" "$ST/logs/$name.log"
  local args=(--host "$FTP_HOST" --port "$(port_of "$name")" --pasv "$(pasv_min "$name")-$(pasv_max "$name")"
              --root "$root" --user "$FTP_USER" --password "$FTP_PASSWORD"
              --log "$ST/logs/$name.log" --log-protocol "$FTP_LOG_PROTOCOL")
  [ "$tls" = 1 ] && args+=(--cert "$CERT" --key "$KEY")
  launch "$name" setpriv --reuid="$FTP_USER" --regid="$(id -gn "$FTP_USER")" --init-groups \
    /usr/bin/python3 "$ST/conf/pyftpd.py" "${args[@]}"
}

# ---------------------------------------------------------------- main
install_all
ensure_user
ensure_cert

summary=$ST/servers.txt
envf=$ST/ftpservers.env
: > "$summary.new"
# keep still-running instances from an earlier (partial) start in the summary
if [ -f "$summary" ]; then
  while read -r oname rest; do
    case "$oname" in \#*|"") continue;; esac
    [[ " $FTP_SERVERS " == *" $oname "* ]] && continue
    is_running "$oname" && echo "$oname $rest" >> "$summary.new"
  done < "$summary"
fi

rc=0
for name in $FTP_SERVERS; do
  idx_of "$name" >/dev/null || { rc=1; continue; }
  tls=0; case $name in *-tls) tls=1;; esac
  kind=${name%-tls}
  port=$(port_of "$name")
  root=$FTP_FIXTURES/$name
  status=running
  if is_running "$name"; then
    log "$name already running (pid $(cat "$(pidfile "$name")"))"
  else
    rm -f "$(pidfile "$name")"
    if port_busy "$port"; then
      log "$name: port $port already in use by something else"; rc=1; status=port-busy
    else
      seed_root "$root"
      : > "$ST/logs/$name.out"
      "start_$kind" "$name" "$tls" && wait_ready "$name" "$port" || { rc=1; status=failed; }
    fi
  fi
  # login check through the real protocol
  if [ "$status" = running ]; then
    # (python ftplib, not curl: pyftpdlib's TLS data channel rejects curl)
    if ! /usr/bin/python3 - "$FTP_HOST" "$port" "$FTP_USER" "$FTP_PASSWORD" "$tls" <<'PY'
import ftplib, ssl, sys
host, port, user, pw, tls = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5] == "1"
if tls:
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    class ReuseFTP_TLS(ftplib.FTP_TLS):  # vsftpd/proftpd require TLS session reuse
        def ntransfercmd(self, cmd, rest=None):
            conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
            if self._prot_p:
                conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
            return conn, size
    f = ReuseFTP_TLS(context=ctx, timeout=10)
else:
    f = ftplib.FTP(timeout=10)
f.connect(host, port); f.login(user, pw)
if tls: f.prot_p()
f.retrlines("LIST", lambda l: None); f.quit()
PY
    then
      log "$name: login/list check FAILED"; status=login-failed; rc=1
    fi
  fi
  printf '%s %s %s %s %s %s %s %s-%s %s\n' "$name" "$FTP_HOST" "$port" "$FTP_USER" "$FTP_PASSWORD" \
    "$root" "$tls" "$(pasv_min "$name")" "$(pasv_max "$name")" "$status" >> "$summary.new"
done
mv "$summary.new" "$summary"
# env file, derived from the summary
{
  echo "# generated by spec/servers/start.sh; source me"
  echo "FTP_STATE_DIR=$ST"
  echo "FTP_FIXTURES=$FTP_FIXTURES"
  echo "FTP_CA_CERT=$CERT"
  echo "FTP_SERVERS=\"$(awk '$NF=="running"{printf "%s%s", s, $1; s=" "}' "$summary")\""
  while read -r name host port user pw root tls pasv status; do
    V=FTP_$(echo "$name" | tr 'a-z-' 'A-Z_')
    echo "${V}_HOST=$host"; echo "${V}_PORT=$port"; echo "${V}_USER=$user"
    echo "${V}_PASSWORD=$pw"; echo "${V}_ROOT=$root"; echo "${V}_TLS=$tls"
    echo "${V}_PASV=$pasv"; echo "${V}_LOG=$ST/logs/$name.log"; echo "${V}_STATUS=$status"
  done < "$summary"
} > "$envf.new"
mv "$envf.new" "$envf"
echo "# name host port user password root tls pasv status"
cat "$summary"
echo "# env file: $envf"
exit $rc

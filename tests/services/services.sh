#!/usr/bin/env bash
# Real mail servers for SmartEmail's integration tests (Linux only, 127.0.0.1, unprivileged ports):
# a private dovecot instance (IMAP/POP3 with STARTTLS and implicit TLS, PLAIN/LOGIN and XOAUTH2/OAUTHBEARER),
# an aiosmtpd SMTP sink that delivers into the dovecot users' Maildirs, and oauth_server.py, a stand-in for
# Microsoft Entra ID whose access tokens dovecot accepts (it asks the server's introspection endpoint).
#
#   services.sh start  ROOT   start all three (restarts an instance already recorded under ROOT), write ROOT/services.json
#   services.sh stop   ROOT   stop all three and wait until their processes are gone; never fails when nothing runs
#   services.sh status ROOT   print what runs; exit 0 when all three run, 3 otherwise
#
# Ports can be overridden: SMARTEMAIL_TEST_IMAP_PORT (10143), SMARTEMAIL_TEST_IMAPS_PORT (10993),
# SMARTEMAIL_TEST_POP3_PORT (10110), SMARTEMAIL_TEST_POP3S_PORT (10995), SMARTEMAIL_TEST_SMTP_PORT (10025),
# SMARTEMAIL_TEST_SMTPS_PORT (10465), SMARTEMAIL_TEST_OAUTH_PORT (10443, HTTPS: the authority),
# SMARTEMAIL_TEST_INTROSPECT_PORT (10080, plain HTTP, for dovecot and the SMTP sink). SINK_USER/SINK_PASS restrict the
# sink's AUTH (default: any credentials).
# Needs root (dovecot's mail processes, the sink and the OAuth server run as nobody:nogroup) and the Debian packages
# dovecot-imapd, dovecot-pop3d, python3-aiosmtpd, python3-cryptography, openssl and iproute2.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=/usr/bin/python3   # Debian's python3 has aiosmtpd; a pyenv python3 earlier on PATH does not
USERS=(alice bob carol)
CATCH_ALL=carol
DOMAIN=smartemail.test

usage() {
    echo "usage: ${0##*/} start|stop|status ROOT" >&2
    exit 2
}
err() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { err "error: $*"; exit 1; }

[[ $# -eq 2 ]] || usage
CMD=$1
[[ -n $2 ]] || usage
ROOT=$(realpath -m -- "$2")

port_var() {
    local name=$1 default=$2 value
    value=${!name:-$default}
    if ! [[ $value =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
        die "$name='$value' is not a port number"
    fi
    printf '%s' "$value"
}
IMAP_PORT=$(port_var SMARTEMAIL_TEST_IMAP_PORT 10143)
IMAPS_PORT=$(port_var SMARTEMAIL_TEST_IMAPS_PORT 10993)
POP3_PORT=$(port_var SMARTEMAIL_TEST_POP3_PORT 10110)
POP3S_PORT=$(port_var SMARTEMAIL_TEST_POP3S_PORT 10995)
SMTP_PORT=$(port_var SMARTEMAIL_TEST_SMTP_PORT 10025)
SMTPS_PORT=$(port_var SMARTEMAIL_TEST_SMTPS_PORT 10465)
OAUTH_PORT=$(port_var SMARTEMAIL_TEST_OAUTH_PORT 10443)
INTROSPECT_PORT=$(port_var SMARTEMAIL_TEST_INTROSPECT_PORT 10080)
DOVECOT_PORTS=("$IMAP_PORT" "$IMAPS_PORT" "$POP3_PORT" "$POP3S_PORT")
SINK_PORTS=("$SMTP_PORT" "$SMTPS_PORT")
OAUTH_PORTS=("$OAUTH_PORT" "$INTROSPECT_PORT")

DOVECOT_PIDFILE=$ROOT/dovecot.pid
SINK_PIDFILE=$ROOT/smtp-sink.pid   # "RUNUSER_PID PYTHON_PID": runuser forks, the python child listens
OAUTH_PIDFILE=$ROOT/oauth-server.pid   # the python PID itself: setpriv execs, it does not fork

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2fs", b - a }'; }

# Alive and not a zombie (nothing may reap orphans in a container, and kill -0 succeeds on zombies).
running() {
    local pid=$1 stat
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# True when PID runs EXE_NAME and its command line mentions ROOT, so a recycled PID is never signalled.
ours() {
    local pid=$1 exe_name=$2 exe
    running "$pid" || return 1
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    [[ ${exe##*/} == "$exe_name" ]] || return 1
    mentions_root "$pid"
}

mentions_root() {
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *"$ROOT/"* ]]
}

dovecot_pid() {
    local pid
    for file in "$DOVECOT_PIDFILE" "$ROOT/run/master.pid"; do
        [[ -s $file ]] || continue
        pid=$(<"$file")
        if ours "$pid" dovecot; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# Prints the child PIDs of $1 (no procps needed).
children_of() {
    local parent=$1 f stat ppid
    if [[ -r /proc/$parent/task/$parent/children ]]; then
        cat "/proc/$parent/task/$parent/children" 2>/dev/null || true
        return 0
    fi
    for f in /proc/[0-9]*/stat; do
        stat=$(cat "$f" 2>/dev/null) || continue
        read -r _ ppid _ <<<"${stat##*) }"
        [[ $ppid == "$parent" ]] && { f=${f#/proc/}; printf '%s ' "${f%/stat}"; }
    done
    return 0
}
child_of() {
    local c
    read -r c _ <<<"$(children_of "$1")" || true
    [[ -n $c ]] && echo "$c"
    return 0
}

# Prints the live sink PIDs (runuser and/or its python child).
sink_pids() {
    local runuser_pid='' python_pid='' out=()
    if [[ -s $SINK_PIDFILE ]]; then
        read -r runuser_pid python_pid _ <"$SINK_PIDFILE" || true
    fi
    if [[ -n $runuser_pid ]] && ours "$runuser_pid" runuser; then
        out+=("$runuser_pid")
        [[ -n $python_pid ]] || python_pid=$(child_of "$runuser_pid")
    fi
    if [[ -n $python_pid ]] && running "$python_pid" &&
        [[ $(readlink "/proc/$python_pid/exe" 2>/dev/null) == */python3* ]] && mentions_root "$python_pid"; then
        out+=("$python_pid")
    fi
    ((${#out[@]})) && echo "${out[*]}"
    return 0
}

# Prints the live OAuth server PID (a python3 whose command line mentions ROOT).
oauth_pid() {
    local pid=''
    [[ -s $OAUTH_PIDFILE ]] && read -r pid _ <"$OAUTH_PIDFILE"
    if [[ -n $pid ]] && running "$pid" &&
        [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */python3* ]] && mentions_root "$pid"; then
        echo "$pid"
    fi
    return 0
}

# wait_gone TIMEOUT_SECONDS PID...: 0 when all are gone in time.
wait_gone() {
    local seconds=$1
    shift
    wait_gone_ms $((seconds * 1000)) "$@"
}
wait_gone_ms() {
    local deadline pid alive
    deadline=$(($(date +%s%N) + $1 * 1000000))
    shift
    while :; do
        alive=0
        for pid in "$@"; do running "$pid" && alive=1; done
        ((alive)) || return 0
        (($(date +%s%N) < deadline)) || return 1
        sleep 0.02
    done
}

# terminate NAME PID...: SIGTERM, wait, then SIGKILL whatever is left.
terminate() {
    local name=$1 pid
    shift
    (($#)) || return 0
    kill -TERM "$@" 2>/dev/null || true
    if ! wait_gone 15 "$@"; then
        err "warning: $name did not stop within 15s after SIGTERM; sending SIGKILL"
        for pid in "$@"; do
            if running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
        done
        wait_gone 5 "$@" || die "$name (pid $*) is still running after SIGKILL"
    fi
}

# dovecot's master takes ~1.1s to exit after SIGTERM alone (it sleeps while it waits for its children);
# a SIGTERM to the master and its children at once (which the master would send them anyway) takes ~0.1s.
stop_dovecot() {
    local master=$1 procs=("$1") pid
    for pid in $(children_of "$master"); do
        [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == /usr/lib/dovecot/* ]] && procs+=("$pid")
    done
    terminate dovecot "${procs[@]}"
}

# Stops all services, in parallel; prints what was stopped.
stop_all() {
    local dpid spids opid python_pid stopped=() job_pids=()
    dpid=$(dovecot_pid) || dpid=
    spids=$(sink_pids)
    opid=$(oauth_pid)
    if [[ -n $opid ]]; then
        terminate oauth-server "$opid" &
        job_pids+=($!)
        stopped+=("oauth-server (pid $opid)")
    fi
    if [[ -n $spids ]]; then
        # SIGTERM to the python child ends it at once; runuser then exits with it. (A SIGTERM to runuser
        # makes it wait 2s before it kills the child.)
        python_pid=${spids##* }
        terminate smtp-sink "$python_pid" &
        job_pids+=($!)
        stopped+=("smtp-sink (pid ${spids// /, })")
    fi
    if [[ -n $dpid ]]; then
        stop_dovecot "$dpid" &
        job_pids+=($!)
        stopped+=("dovecot (pid $dpid)")
    fi
    local rc=0 job
    for job in "${job_pids[@]}"; do wait "$job" || rc=1; done
    # runuser exits once its child has; wait for it too so that nothing of ours is left.
    if [[ -n $spids ]]; then
        # shellcheck disable=SC2086
        wait_gone 5 $spids || terminate smtp-sink $spids || rc=1
    fi
    ((rc == 0)) || die "could not stop everything under $ROOT"
    rm -f "$DOVECOT_PIDFILE" "$SINK_PIDFILE" "$OAUTH_PIDFILE"
    local summary='' item
    for item in "${stopped[@]}"; do summary+="${summary:+ and }$item"; done
    echo "$summary"
}

listening() {
    # $1: output of `ss -Hltn`; other args: ports. True when every port has a listener on 127.0.0.1.
    local table=$1 port
    shift
    for port in "$@"; do
        grep -qE "[[:space:]]127\.0\.0\.1:${port}[[:space:]]" <<<"$table" || return 1
    done
}

# wait_listen NAME TIMEOUT PIDS PORTS...: readiness by ss only; connecting to dovecot would spawn a
# login process and make a following stop hang ~5s.
wait_listen() {
    local name=$1 timeout=$2 watched=$3 deadline pid
    shift 3
    deadline=$(($(date +%s%N) + timeout * 1000000000))
    while :; do
        listening "$(ss -Hltn)" "$@" && return 0
        for pid in $watched; do
            running "$pid" || { err "$name exited during start-up"; return 1; }
        done
        (($(date +%s%N) < deadline)) || { err "$name did not listen on ports $* within ${timeout}s"; return 1; }
        sleep 0.02
    done
}

fail_start() {
    err "error: $*"
    for f in "$ROOT/log/dovecot.log" "$ROOT/log/dovecot.out" "$ROOT/log/smtp-sink.log" "$ROOT/log/oauth-server.log"; do
        [[ -s $f ]] && { err "--- last lines of $f"; tail -n 15 "$f" >&2; }
    done
    stop_all >/dev/null || true
    exit 1
}

make_cert() {
    local tls=$ROOT/tls
    if [[ -s $tls/cert.pem && -s $tls/key.pem ]] &&
        openssl x509 -in "$tls/cert.pem" -noout -checkend 86400 >/dev/null 2>&1; then
        return 0
    fi
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$tls/key.pem" -out "$tls/cert.pem" >"$ROOT/log/openssl.log" 2>&1 ||
        die "openssl could not create the test certificate (see $ROOT/log/openssl.log)"
    # A test-only key: the SMTP sink runs as nobody and must read it.
    chmod 644 "$tls/key.pem" "$tls/cert.pem"
}

render_config() {
    local esc
    esc=$(printf '%s' "$ROOT" | sed 's/[\\|&]/\\&/g')
    # XOAUTH2/OAUTHBEARER: dovecot.conf includes oauth2.conf, which points the oauth2 passdb at the .ext file.
    sed -e "s|@ROOT@|$esc|g" "$HERE/oauth2.conf.in" >"$ROOT/oauth2.conf"
    sed -e "s|@INTROSPECTION_URL@|http://127.0.0.1:$INTROSPECT_PORT/introspect|g" \
        "$HERE/dovecot-oauth2.conf.ext.in" >"$ROOT/dovecot-oauth2.conf.ext"
    chmod 644 "$ROOT/oauth2.conf" "$ROOT/dovecot-oauth2.conf.ext"
    sed -e "s|@ROOT@|$esc|g" -e "s|@IMAP_PORT@|$IMAP_PORT|g" -e "s|@IMAPS_PORT@|$IMAPS_PORT|g" \
        -e "s|@POP3_PORT@|$POP3_PORT|g" -e "s|@POP3S_PORT@|$POP3S_PORT|g" \
        "$HERE/dovecot.conf.in" >"$ROOT/dovecot.conf"
    doveconf -c "$ROOT/dovecot.conf" -n >/dev/null 2>"$ROOT/log/doveconf.log" ||
        die "doveconf rejected $ROOT/dovecot.conf: $(cat "$ROOT/log/doveconf.log")"
}

write_users() {
    local u
    : >"$ROOT/users"
    for u in "${USERS[@]}"; do
        printf '%s:{PLAIN}%s-secret::::::\n' "$u" "$u" >>"$ROOT/users"
    done
    chmod 644 "$ROOT/users"
}

# Maildirs exist before anything writes them, owned by the mail uid, so dovecot and the sink can both write.
make_maildirs() {
    local u
    for u in "${USERS[@]}"; do
        mkdir -p "$ROOT/mail/$u/Maildir/cur" "$ROOT/mail/$u/Maildir/new" "$ROOT/mail/$u/Maildir/tmp"
    done
    chown -R nobody:nogroup "$ROOT/mail"
}

# dovecot's auth process (user dovecot) reads ROOT/users; its mail processes and the sink (nobody) use
# ROOT/mail, the key and the sink script (a copy in ROOT, so the checkout's location does not matter).
check_access() {
    local hint="(is a parent folder of $ROOT closed to others? Use a ROOT under /tmp)"
    runuser -u nobody -g nogroup -- test -w "$ROOT/mail/$CATCH_ALL/Maildir/new" -a -r "$ROOT/tls/key.pem" \
        -a -r "$ROOT/smtp_sink.py" -a -r "$ROOT/oauth_server.py" -a -r "$ROOT/tls_http.py" ||
        die "user nobody cannot use $ROOT/mail, the key or the sink and OAuth server scripts $hint"
    runuser -u dovecot -- test -r "$ROOT/users" || die "user dovecot cannot read $ROOT/users $hint"
}

write_json() {
    ROOT=$ROOT DOMAIN=$DOMAIN USERS="${USERS[*]}" IMAP_PORT=$IMAP_PORT IMAPS_PORT=$IMAPS_PORT \
        POP3_PORT=$POP3_PORT POP3S_PORT=$POP3S_PORT SMTP_PORT=$SMTP_PORT SMTPS_PORT=$SMTPS_PORT \
        OAUTH_PORT=$OAUTH_PORT INTROSPECT_PORT=$INTROSPECT_PORT "$PYTHON" - <<'EOF'
import json, os
e = os.environ
root = e["ROOT"]
doc = {
    "host": "127.0.0.1",
    "imap": {"port": int(e["IMAP_PORT"]), "tlsPort": int(e["IMAPS_PORT"])},
    "pop3": {"port": int(e["POP3_PORT"]), "tlsPort": int(e["POP3S_PORT"])},
    "smtp": {"port": int(e["SMTP_PORT"]), "tlsPort": int(e["SMTPS_PORT"])},
    "oauth": {"authority": "https://localhost:" + e["OAUTH_PORT"], "port": int(e["OAUTH_PORT"]),
              "introspectPort": int(e["INTROSPECT_PORT"])},
    "users": [{"name": u, "password": u + "-secret", "address": u + "@" + e["DOMAIN"]} for u in e["USERS"].split()],
    "certificate": root + "/tls/cert.pem",
    "root": root,
}
tmp = root + "/services.json.tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
os.replace(tmp, root + "/services.json")
EOF
}

do_start() {
    local t0 stale busy=() port dpid rpid python_pid opid
    t0=$(now)
    [[ $(uname -s) == Linux ]] || die "the test services run on Linux only"
    [[ $EUID -eq 0 ]] || die "start needs root (dovecot drops mail processes to nobody; the sink runs via runuser)"
    for tool in dovecot doveconf openssl ss runuser; do
        command -v "$tool" >/dev/null || die "'$tool' not found (apt-get install dovecot-imapd dovecot-pop3d python3-aiosmtpd openssl iproute2)"
    done
    "$PYTHON" -c 'import aiosmtpd' 2>/dev/null || die "$PYTHON cannot import aiosmtpd (apt-get install python3-aiosmtpd)"
    "$PYTHON" -c 'import cryptography' 2>/dev/null ||
        die "$PYTHON cannot import cryptography (apt-get install python3-cryptography)"
    command -v setpriv >/dev/null || die "'setpriv' not found (apt-get install util-linux)"
    [[ $(printf '%s\n' "${DOVECOT_PORTS[@]}" "${SINK_PORTS[@]}" "${OAUTH_PORTS[@]}" | sort -u | wc -l) -eq 8 ]] ||
        die "the eight ports must differ: ${DOVECOT_PORTS[*]} ${SINK_PORTS[*]} ${OAUTH_PORTS[*]}"

    # An instance recorded under the same ROOT is stopped first; then any busy port is someone else's.
    stale=$(stop_all)
    [[ -z $stale ]] || err "stopped a running instance first: $stale"
    for port in "${DOVECOT_PORTS[@]}" "${SINK_PORTS[@]}" "${OAUTH_PORTS[@]}"; do
        [[ -z $(ss -Hltn "sport = :$port") ]] || busy+=("$port")
    done
    if ((${#busy[@]})); then
        for port in "${busy[@]}"; do ss -Hltnp "sport = :$port" >&2 || true; done
        die "port(s) ${busy[*]} already in use; not starting (stop the other instance or set SMARTEMAIL_TEST_*_PORT)"
    fi

    mkdir -p "$ROOT"/{run,state,log,tls,mail}
    chmod 755 "$ROOT" "$ROOT/tls" "$ROOT/mail"
    rm -f "$ROOT/run/master.pid" "$ROOT/services.json"
    make_cert
    write_users
    render_config
    make_maildirs
    install -m 644 "$HERE/smtp_sink.py" "$ROOT/smtp_sink.py"
    install -m 644 "$HERE/oauth_server.py" "$ROOT/oauth_server.py"
    install -m 644 "$HERE/tls_http.py" "$ROOT/tls_http.py"
    check_access

    dovecot -c "$ROOT/dovecot.conf" -F </dev/null >>"$ROOT/log/dovecot.out" 2>&1 &
    dpid=$!
    echo "$dpid" >"$DOVECOT_PIDFILE"
    # The sink does not depend on dovecot, so it boots while dovecot does.
    runuser -u nobody -g nogroup -- "$PYTHON" "$ROOT/smtp_sink.py" --host 127.0.0.1 \
        --port "$SMTP_PORT" --tls-port "$SMTPS_PORT" --cert "$ROOT/tls/cert.pem" --key "$ROOT/tls/key.pem" \
        --mail-root "$ROOT/mail" --users "$(IFS=,; echo "${USERS[*]}")" --catch-all "$CATCH_ALL" \
        --introspect-url "http://127.0.0.1:$INTROSPECT_PORT/introspect" \
        </dev/null >>"$ROOT/log/smtp-sink.log" 2>&1 &
    rpid=$!
    echo "$rpid" >"$SINK_PIDFILE"
    # setpriv execs (no fork, unlike runuser), so $! is the python process itself.
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$PYTHON" "$ROOT/oauth_server.py" --host 127.0.0.1 \
        --port "$OAUTH_PORT" --introspect-port "$INTROSPECT_PORT" --cert "$ROOT/tls/cert.pem" \
        --key "$ROOT/tls/key.pem" </dev/null >>"$ROOT/log/oauth-server.log" 2>&1 &
    opid=$!
    echo "$opid" >"$OAUTH_PIDFILE"

    wait_listen dovecot 10 "$dpid" "${DOVECOT_PORTS[@]}" || fail_start "dovecot did not come up"
    # Switch off anvil's per-IP auth penalty: one failed login would otherwise delay every later login
    # from 127.0.0.1 (2..15s). auth connects to this socket lazily, gets ENOENT and skips the penalty.
    rm -f "$ROOT/run/anvil-auth-penalty"

    wait_listen smtp-sink 10 "$rpid" "${SINK_PORTS[@]}" || fail_start "the SMTP sink did not come up"
    python_pid=$(child_of "$rpid")
    echo "$rpid $python_pid" >"$SINK_PIDFILE"
    wait_listen oauth-server 10 "$opid" "${OAUTH_PORTS[@]}" || fail_start "the OAuth server did not come up"

    write_json
    echo "services: up in $(elapsed "$t0"): imap $IMAP_PORT/$IMAPS_PORT, pop3 $POP3_PORT/$POP3S_PORT," \
        "smtp $SMTP_PORT/$SMTPS_PORT, oauth $OAUTH_PORT (introspection $INTROSPECT_PORT) on 127.0.0.1" \
        "(dovecot pid $dpid, smtp-sink pid ${python_pid:-$rpid}, oauth-server pid $opid); $ROOT/services.json"
}

do_stop() {
    local t0 stopped
    t0=$(now)
    [[ -d $ROOT ]] || { echo "services: nothing running under $ROOT"; return 0; }
    stopped=$(stop_all)
    rm -f "$ROOT/services.json"
    if [[ -n $stopped ]]; then
        echo "services: stopped $stopped in $(elapsed "$t0")"
    else
        echo "services: nothing running under $ROOT"
    fi
}

# The TCP ports PID really listens on, e.g. "10110 10143 10993 10995".
ports_of() {
    ss -Hltnp 2>/dev/null | grep -F "pid=$1," | awk '{ n = split($4, a, ":"); print a[n] }' | sort -n | xargs
}

do_status() {
    local dpid spids opid rc=0
    dpid=$(dovecot_pid) || dpid=
    spids=$(sink_pids)
    opid=$(oauth_pid)
    if [[ -n $dpid ]]; then
        echo "dovecot: running (pid $dpid), listening on 127.0.0.1 ports $(ports_of "$dpid"); log $ROOT/log/dovecot.log"
    else
        echo "dovecot: not running"
        rc=3
    fi
    if [[ -n $spids ]]; then
        echo "smtp-sink: running (pid ${spids// /, }), listening on 127.0.0.1 ports $(ports_of "${spids##* }"); log $ROOT/log/smtp-sink.log"
    else
        echo "smtp-sink: not running"
        rc=3
    fi
    if [[ -n $opid ]]; then
        echo "oauth-server: running (pid $opid), listening on 127.0.0.1 ports $(ports_of "$opid"); log $ROOT/log/oauth-server.log"
    else
        echo "oauth-server: not running"
        rc=3
    fi
    [[ -s $ROOT/services.json ]] && echo "services.json: $ROOT/services.json"
    return $rc
}

case $CMD in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
*) usage ;;
esac

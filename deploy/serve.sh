#!/usr/bin/env bash
# Serve gru_viz from N Streamlit replicas on loopback behind one nginx with sticky sessions.
#
#   deploy/serve.sh [--replicas N] [--port PROXY_PORT] [--first-port P | --backend-ports P1,P2,...]
#                   [--listen ADDRESS] [-- MORE STREAMLIT OPTIONS]
#
# Starts replica i as `streamlit run app.py --server.port P_i --server.address 127.0.0.1 --server.headless true
# --server.fileWatcherType none`, waits until each answers /_stcore/health, writes an nginx config from
# deploy/nginx.conf.template into a fresh run directory (pid file, logs and temp paths all in there: this is not
# the system nginx service), starts nginx in the foreground of this script, checks /_stcore/health through it and
# prints the URL. Ctrl-C, SIGTERM or any replica or nginx exiting stops everything and removes the run directory
# (KEEP_RUN_DIR=1 keeps it, e.g. to read the logs).
#
# Environment: PYTHON (default: .venv/bin/python if present, else python3), NGINX (default: nginx),
# STARTUP_TIMEOUT_S (default 90), APP_DIR (the checkout to serve; default: the one this script is in),
# MALLOC_ARENA_MAX (default 2, see below).
set -euo pipefail
# glibc gives each thread that allocates its own heap arena (up to 8 per core) and keeps freed memory in it; a
# Streamlit server runs one script thread per session, so after a busy lesson a replica stays large. Two arenas:
# the load test's settled memory went from 1.33x to 1.25x of its size after warm-up (benchmarks/load_test.py).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPLICAS=2
PROXY_PORT=8500
FIRST_PORT=8601
BACKEND_PORTS=""
LISTEN_ADDRESS=127.0.0.1
EXTRA_ARGS=()
STARTUP_TIMEOUT_S="${STARTUP_TIMEOUT_S:-90}"
NGINX="${NGINX:-nginx}"
APP_DIR="$(cd "${APP_DIR:-$ROOT}" && pwd)"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x "$ROOT/.venv/bin/python" ]]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --replicas|-n) REPLICAS="$2"; shift 2 ;;
        --port|-p) PROXY_PORT="$2"; shift 2 ;;
        --first-port) FIRST_PORT="$2"; shift 2 ;;
        --backend-ports) BACKEND_PORTS="$2"; shift 2 ;;
        --listen) LISTEN_ADDRESS="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; EXTRA_ARGS=("$@"); break ;;
        *) echo "serve.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

if [[ -n "$BACKEND_PORTS" ]]; then
    IFS=, read -r -a PORTS <<< "$BACKEND_PORTS"
else
    [[ "$REPLICAS" =~ ^[1-9][0-9]*$ ]] || { echo "serve.sh: --replicas must be a positive integer" >&2; exit 2; }
    PORTS=()
    for ((i = 0; i < REPLICAS; i++)); do PORTS+=($((FIRST_PORT + i))); done
fi
command -v "$NGINX" > /dev/null || { echo "serve.sh: no '$NGINX' (Debian: sudo apt-get install nginx)" >&2; exit 3; }

# The upload cap of the app, for client_max_body_size (Streamlit's default is 200 MB).
MAX_UPLOAD_MB=$(sed -n 's/^[[:space:]]*maxUploadSize[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' \
    "$APP_DIR/.streamlit/config.toml" 2> /dev/null | head -n1)
MAX_UPLOAD_MB="${MAX_UPLOAD_MB:-200}"

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/gru_viz-serve.XXXXXX")"
# nginx started as root runs its worker as "nobody", which must reach the temp paths in here
chmod 755 "$RUN_DIR"
mkdir -p "$RUN_DIR/tmp"
PIDS=()
STOPPING=0

cleanup() {
    local rc=$?
    [[ $STOPPING == 1 ]] && return
    STOPPING=1
    trap - INT TERM EXIT
    echo "serve.sh: stopping nginx and ${#PORTS[@]} replica(s)" >&2
    if [[ -f "$RUN_DIR/nginx.pid" ]]; then kill -QUIT "$(cat "$RUN_DIR/nginx.pid")" 2> /dev/null || true; fi
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
    for _ in $(seq 1 100); do  # up to 10 s for a graceful stop
        local alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2> /dev/null && alive=1; done
        [[ $alive == 0 ]] && break
        sleep 0.1
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    if [[ "${KEEP_RUN_DIR:-0}" == 1 ]]; then
        echo "serve.sh: logs kept in $RUN_DIR" >&2
    else
        rm -rf "$RUN_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_healthy() {  # URL, what: poll until it answers "ok" or the startup time is spent
    "$PYTHON" - "$1" "$STARTUP_TIMEOUT_S" "$2" << 'PY'
import sys, time, urllib.request
url, limit, what = sys.argv[1], float(sys.argv[2]), sys.argv[3]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        with opener.open(url, timeout=2) as r:
            if r.status == 200 and r.read().strip() == b"ok":
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit(f"serve.sh: {what} did not answer {url} within {limit:.0f} s")
PY
}

cd "$APP_DIR"
UPSTREAMS=""
for i in "${!PORTS[@]}"; do
    port="${PORTS[$i]}"
    "$PYTHON" -m streamlit run app.py --server.port "$port" --server.address 127.0.0.1 --server.headless true \
        --server.fileWatcherType none "${EXTRA_ARGS[@]}" > "$RUN_DIR/replica-$i.log" 2>&1 < /dev/null &
    PIDS+=($!)
    echo "$!" > "$RUN_DIR/replica-$i.pid"
    echo "$port" > "$RUN_DIR/replica-$i.port"
    # max_fails/fail_timeout: a replica that stops answering is taken out for 10 s (passive health check)
    UPSTREAMS+="        server 127.0.0.1:$port max_fails=2 fail_timeout=10s;"$'\n'
done
for i in "${!PORTS[@]}"; do
    wait_healthy "http://127.0.0.1:${PORTS[$i]}/_stcore/health" "replica $i (port ${PORTS[$i]}, log $RUN_DIR/replica-$i.log)"
done

# ${UPSTREAMS%$'\n'}: the server lines without the last newline; sed needs them as one escaped replacement
UPSTREAMS_ESCAPED=$(printf '%s' "${UPSTREAMS%$'\n'}" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g')
sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@LISTEN@|$LISTEN_ADDRESS:$PROXY_PORT|g" \
    -e "s|@MAX_BODY@|${MAX_UPLOAD_MB}m|g" -e "s|^@UPSTREAM_SERVERS@$|$UPSTREAMS_ESCAPED|" \
    "$ROOT/deploy/nginx.conf.template" > "$RUN_DIR/nginx.conf"
"$NGINX" -t -q -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/error.log"
"$NGINX" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/error.log" -g 'daemon off;' < /dev/null &
PIDS+=($!)
echo "$!" > "$RUN_DIR/nginx-master.pid"
wait_healthy "http://$LISTEN_ADDRESS:$PROXY_PORT/_stcore/health" "nginx (log $RUN_DIR/error.log)"

echo "run dir: $RUN_DIR"
echo "replicas: ${PORTS[*]}"
echo "gru_viz is served at http://$LISTEN_ADDRESS:$PROXY_PORT (Ctrl-C stops nginx and the replicas)"

# Stay up until Ctrl-C/SIGTERM, or until any replica or nginx exits (then stop the rest: a half-served class is
# worse than a clear failure).
set +e
wait -n "${PIDS[@]}"
status=$?
echo "serve.sh: a replica or nginx exited (status $status); stopping everything" >&2
exit 1

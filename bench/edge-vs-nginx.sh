#!/usr/bin/env bash
# edge-vs-nginx.sh — runs `tlsgw edge` and nginx (stream TLS termination) side by side on the
# same OpenSSL, certificate and CPU pinning, and prints tlsgw/nginx ratios (DESIGN.md,
# "Benchmarks"): full and resumed handshakes/s, MB/s through the terminator, request latency
# (p50/p99), memory per idle connection. A figure is a ratio from one run, never an absolute.
#
# Layout (the machine has 2 cores):
#   CPU 0: the terminator under test — tlsgw edge and the nginx stream worker (both run all
#          along; only the one being measured gets load).
#   CPU 1: the load generators (openssl s_time, curl, python) and the shared plaintext
#          upstream (a second nginx, sendfile on) that both terminators forward to.
# With one client core the client often saturates before the terminator; every load
# therefore also reports the terminator's CPU cost per operation, which does not depend on
# who saturated, and a CPU table says which core limited each figure.
#
# Env: BENCH_BUILD=head (default: build the committed HEAD in the temp dir) | worktree (the
#      working tree, uncommitted edits included) | none (run artifacts/tlsgw as it is);
#      BENCH_SECONDS (default 5) per s_time run;
#      BENCH_STIME_CLIENTS (default 2) concurrent s_time processes; BENCH_KEEP=1 keeps the
#      temp dir (configs, logs) for a post-mortem.
# Prints the tables on stdout and writes them to bench/last-run.md; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 LC_ALL=C

load_seconds="${BENCH_SECONDS:-5}"
stime_clients="${BENCH_STIME_CLIENTS:-2}"
idle_connections=1000
latency_new_requests=300
latency_keepalive_requests=1000
latency_warmup=20   # unmeasured requests before each latency run
big_bytes=$((256 * 1024 * 1024))
server_cpu=0
client_cpu=1
# Clients offer TLS 1.3 suites in browser order (AES-128-GCM first). nginx follows the client's
# order and tlsgw its own; with OpenSSL's client default (AES-256 first) they would bulk-encrypt
# with different ciphers and MB/s would compare ciphers, not terminators. Python's ssl module
# cannot set TLS 1.3 suites, so the latency and idle clients keep OpenSSL's order.
client_suites="TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
started_at=$(date +%s)

log() { echo "bench: $*" >&2; }

# --- Dependencies: nginx with its stream module (a dynamic module on Debian), openssl, curl.
install_missing() {
    local missing=() package
    for package in nginx libnginx-mod-stream openssl curl; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=300 update -qq
        apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null
    fi
}
install_missing
stream_module=/usr/lib/nginx/modules/ngx_stream_module.so
[[ -f "$stream_module" ]] || { log "missing $stream_module (libnginx-mod-stream)"; exit 1; }
python="$(python3 -c 'import sys; print(sys.executable)')"   # skips a pyenv shim on every call

# Each terminator holds 2 sockets per idle client connection and the client holds 1: raise
# the descriptor limit as far as allowed (a container may cap the hard limit) and check it.
hard_nofile=$(ulimit -Hn)
[[ "$hard_nofile" == unlimited ]] && hard_nofile=65536
nofile=$((hard_nofile < 65536 ? hard_nofile : 65536))
ulimit -n "$nofile"
((nofile >= 3 * idle_connections + 256)) || { log "ulimit -n $nofile is too low for $idle_connections idle connections"; exit 1; }

# --- Processes: every one started is recorded and stopped on exit, by PID. Background jobs
# are started with taskset directly (never through a shell function), so $! is the process
# itself and not a subshell whose death would orphan it.
tmp="$(mktemp -d /tmp/tlsgw-bench.XXXXXX)"
pids=()
cleanup() {
    local status=$? pid child children
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || continue
        children=$(pgrep -P "$pid" || true)   # an nginx master's workers, by parent PID
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        for child in $children; do kill -KILL "$child" 2>/dev/null || true; done
    done
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_ports() {  # free_ports N: N distinct free TCP ports on 127.0.0.1
    "$python" -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

wait_listening() {  # wait_listening PORT PID NAME LOG: until PORT accepts; NAME's log if PID dies
    local port=$1 pid=$2 name=$3 logfile=$4
    for _ in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || { log "$name exited before listening; its log:"; cat "$logfile" >&2; exit 1; }
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    log "$name did not listen on $port within 20s; its log:"; cat "$logfile" >&2; exit 1
}

alive_or_die() {  # alive_or_die PID NAME LOG: a terminator that died mid-run invalidates the run
    kill -0 "$1" 2>/dev/null || { log "$2 died during the run; its log:"; cat "$3" >&2; exit 1; }
}

first_child() {  # first_child PID: an nginx master's worker, waiting for it to appear
    local child=""
    for _ in $(seq 1 50); do child=$(pgrep -P "$1" | head -1 || true); [[ -n "$child" ]] && break; sleep 0.1; done
    [[ -n "$child" ]] || { log "no worker under nginx master $1"; exit 1; }
    echo "$child"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# --- CPU accounting, so each figure says which core limited it.
# proc_ticks PID: user+system ticks of a process, all threads (/proc/PID/stat fields 14-15,
# counted after the ")" that ends the command name). core_ticks N: busy and total ticks of CPU
# N (/proc/stat user..steal; guest is already in user) — this includes anyone else's load.
# load_cpu_ms FILE: CPU the load generators used, from `times` output saved in FILE (the
# shell's reaped-children rusage; `times` must run in this shell, not in a $(...) subshell).
hz=$(getconf CLK_TCK)
proc_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
core_ticks() { awk -v c="cpu$1" '$1 == c {t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
# wait_ns PID: nanoseconds the process's threads spent runnable but waiting for a CPU
# (/proc/PID/task/*/schedstat field 2, summed over threads, so tlsgw's threads waiting for
# each other count too). With the server core full, it says the terminator wanted more CPU.
wait_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $2} END {printf "%.0f", s}'; }
load_cpu_ms() {
    awk 'NR == 2 {split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000}' "$1"
}

# with_cpu KEY SERVER_PID CMD...: runs CMD (stdout to $tmp/out) and records, under KEY, the
# terminator's CPU seconds and, as % of one core over the run: the terminator, the rest of
# the server core, the load generators, the upstream, the rest of the client core, and the
# client core's total busy time. The "rest" is other people's jobs on a shared machine: what
# makes a figure bound by a shared core unreliable.
declare -A cpu_s cpu_row
with_cpu() {
    local key=$1 pid=$2; shift 2
    local t0 t1 s0 s1 g0 g1 u0 u1 b0 n0 b1 n1 c0 m0 c1 m1 q0 q1 rc=0
    times >"$tmp/times0"
    t0=$(date +%s%N); s0=$(proc_ticks "$pid"); u0=$(proc_ticks "$upstream_worker"); q0=$(wait_ns "$pid")
    read -r b0 n0 <<<"$(core_ticks "$client_cpu")"; read -r c0 m0 <<<"$(core_ticks "$server_cpu")"
    "$@" >"$tmp/out" || rc=$?
    times >"$tmp/times1"
    t1=$(date +%s%N); s1=$(proc_ticks "$pid"); u1=$(proc_ticks "$upstream_worker"); q1=$(wait_ns "$pid")
    read -r b1 n1 <<<"$(core_ticks "$client_cpu")"; read -r c1 m1 <<<"$(core_ticks "$server_cpu")"
    g0=$(load_cpu_ms "$tmp/times0"); g1=$(load_cpu_ms "$tmp/times1")
    cpu_s[$key]=$(awk -v d=$((s1 - s0)) -v hz="$hz" 'BEGIN {print d / hz}')
    cpu_row[$key]=$(awk -v w=$(((t1 - t0) / 1000000)) -v s=$((s1 - s0)) -v u=$((u1 - u0)) -v g=$((g1 - g0)) \
        -v b=$((b1 - b0)) -v n=$((n1 - n0)) -v c=$((c1 - c0)) -v m=$((m1 - m0)) -v q=$((q1 - q0)) -v hz="$hz" 'BEGIN {
            srv = s / hz * 1e5 / w; waited = q > 0 ? q / 1e4 / w : 0; core0 = m ? c * 100 / m : 0; core = n ? b * 100 / n : 0
            bound = srv >= 85 ? "server" : core0 >= 85 && waited >= 10 ? "server core, shared with other jobs" \
                : core >= 85 ? "client core" : "neither (latency)"
            gen = g * 100 / w; ups = u / hz * 1e5 / w; other = core - gen - ups; other0 = core0 - srv
            printf "%.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %s", srv, waited, (other0 > 0 ? other0 : 0),
                gen, ups, (other > 0 ? other : 0), core, bound}')
    return $rc
}

# --- Build tlsgw. By default from a snapshot of the committed HEAD (`git archive`, read-only
# for the repo) in the temp dir: the figures then belong to the commit in the header, and
# concurrent edits or builds in the working tree cannot break or mix into the binary.
tlsgw_build="${BENCH_BUILD:-head}"
case "$tlsgw_build" in
    head)
        log "building tlsgw (Release) from a snapshot of HEAD"
        mkdir -p "$tmp/tree"
        git -C "$repo" archive HEAD | tar -x -C "$tmp/tree"
        build_dir="$tmp/tree" ;;
    worktree)
        log "building tlsgw (Release) from the working tree"
        build_dir="$repo" ;;
    none)
        build_dir="" ;;
    *)
        log "BENCH_BUILD must be head, worktree or none"; exit 2 ;;
esac
if [[ -n "$build_dir" ]]; then
    tlsgw_dll="$tmp/tlsgw/tlsgw.dll"
    if ! (cd "$build_dir" && dotnet build src/TlsGateway/TlsGateway.csproj -c Release -o "$tmp/tlsgw" -nologo -v quiet) >"$tmp/build.log" 2>&1; then
        cat "$tmp/build.log" >&2; log "build failed"; exit 1
    fi
else
    tlsgw_dll="$repo/artifacts/tlsgw/tlsgw.dll"
fi
[[ -f "$tlsgw_dll" ]] || { log "no $tlsgw_dll"; exit 1; }

# --- One throw-away ECDSA P-256 CA and leaf, used by both terminators. The chain file is the
# leaf alone: both send the same bytes, and the clients trust the CA directly.
pki="$tmp/pki"; mkdir -p "$pki"
(
    cd "$pki"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -subj "/CN=tlsgw bench CA" -days 2 -out ca.pem \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key 2>/dev/null
    openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" >leaf.ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile leaf.ext -out leaf.pem 2>/dev/null
    chmod 600 ./*.key
)
ca="$pki/ca.pem"; chain="$pki/leaf.pem"; key="$pki/leaf.key"
read -r upstream_port nginx_port tlsgw_port <<<"$(free_ports 3)"

# --- The shared upstream: plain-HTTP nginx, sendfile, keep-alive, a 256 MiB /big and a tiny
# /small. Both nginx instances get their own prefix, pid, logs and temp paths, so the system
# nginx configuration is never read.
up="$tmp/upstream"; mkdir -p "$up/www"
head -c "$big_bytes" /dev/zero >"$up/www/big"
printf 'ok\n' >"$up/www/small"
cat >"$up/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $up/nginx.pid;
error_log $up/error.log warn;
worker_rlimit_nofile $nofile;
events { worker_connections 8192; }
http {
    access_log off;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 60s;
    keepalive_requests 1000000;
    client_body_temp_path $up/body;
    proxy_temp_path $up/proxy;
    fastcgi_temp_path $up/fastcgi;
    uwsgi_temp_path $up/uwsgi;
    scgi_temp_path $up/scgi;
    server {
        listen 127.0.0.1:$upstream_port;
        root $up/www;
    }
}
EOF

# --- nginx as the TLS terminator: stream module, one worker, tickets on, default suites.
ng="$tmp/nginx-tls"; mkdir -p "$ng"
cat >"$ng/nginx.conf" <<EOF
load_module $stream_module;
user root;
worker_processes 1;
daemon off;
pid $ng/nginx.pid;
error_log $ng/error.log warn;
worker_rlimit_nofile $nofile;
events { worker_connections 8192; }
stream {
    server {
        listen 127.0.0.1:$nginx_port ssl;
        proxy_pass 127.0.0.1:$upstream_port;
        ssl_certificate $chain;
        ssl_certificate_key $key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets on;
    }
}
EOF
for dir in "$up" "$ng"; do
    nginx -t -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" 2>"$tmp/nginx-t.log" ||
        { cat "$tmp/nginx-t.log" >&2; log "nginx rejected $dir/nginx.conf"; exit 1; }
done

log "upstream :$upstream_port on CPU $client_cpu; nginx :$nginx_port and tlsgw :$tlsgw_port on CPU $server_cpu"
taskset -c "$client_cpu" nginx -p "$up" -e "$up/error.log" -c "$up/nginx.conf" >"$up/stdout.log" 2>&1 &
upstream_pid=$!; pids+=("$upstream_pid")
taskset -c "$server_cpu" nginx -p "$ng" -e "$ng/error.log" -c "$ng/nginx.conf" >"$ng/stdout.log" 2>&1 &
nginx_master=$!; pids+=("$nginx_master")
tlsgw_log="$tmp/tlsgw.log"
taskset -c "$server_cpu" dotnet "$tlsgw_dll" edge --listen "127.0.0.1:$tlsgw_port" --cert "$chain" --key "$key" \
    --upstream "127.0.0.1:$upstream_port" >"$tlsgw_log" 2>&1 &
tlsgw_pid=$!; pids+=("$tlsgw_pid")

wait_listening "$upstream_port" "$upstream_pid" "upstream nginx" "$up/error.log"
wait_listening "$nginx_port" "$nginx_master" "nginx (TLS)" "$ng/error.log"
wait_listening "$tlsgw_port" "$tlsgw_pid" "tlsgw edge" "$tlsgw_log"
upstream_worker=$(first_child "$upstream_pid")
nginx_worker=$(first_child "$nginx_master")

sides=(tlsgw nginx)
declare -A port=([tlsgw]=$tlsgw_port [nginx]=$nginx_port)
declare -A server_pid=([tlsgw]=$tlsgw_pid [nginx]=$nginx_worker)   # the process holding the connections
declare -A result reused python_cipher
on_client() { taskset -c "$client_cpu" "$@"; }
stime() { taskset -c "$client_cpu" openssl s_time -ciphersuites "$client_suites" "$@"; }
curl_tls() {  # curl_tls PORT PATH: one HTTPS GET (TLS 1.3, HTTP/1.1), CA verified; "speed size code"
    on_client curl -s -o /dev/null --http1.1 --tlsv1.3 --tls13-ciphers "$client_suites" --cacert "$ca" \
        --resolve "localhost:$1:127.0.0.1" -w '%{speed_download} %{size_download} %{http_code}\n' "https://localhost:$1$2"
}
check_alive() { alive_or_die "$tlsgw_pid" tlsgw "$tlsgw_log"; alive_or_die "$nginx_worker" "nginx worker" "$ng/error.log"; }

# What each side negotiates with the benchmark's clients (reported with the figures).
declare -A negotiated
for side in "${sides[@]}"; do
    negotiated[$side]=$(openssl s_client -connect "127.0.0.1:${port[$side]}" -tls1_3 -ciphersuites "$client_suites" -brief </dev/null 2>&1 |
        awk -F': ' '/^Ciphersuite/ {c = $2} /^(Server|Peer) Temp Key/ {g = $2} END {print c ", " g}')
done

# Warm-up, not measured: .NET tiers up its hot paths; both sides fill their caches.
log "warming up"
for side in "${sides[@]}"; do
    stime -connect "127.0.0.1:${port[$side]}" -tls1_3 -new -time 1 >/dev/null 2>&1 || true
    stime -connect "127.0.0.1:${port[$side]}" -tls1_2 -reuse -time 1 >/dev/null 2>&1 || true
    curl_tls "${port[$side]}" /big >/dev/null || true
    on_client "$python" bench/tls_latency.py --port "${port[$side]}" --cafile "$ca" -n 200 --warmup 0 >/dev/null 2>&1 || true
done

# --- 1, 2. Handshakes/s with openssl s_time, a few concurrent clients on the client core
# (one client idles during each round trip). s_time prints a mark per connection, "r" when
# the session was resumed, so each run shows whether it really resumed. TLS 1.3 sends tickets
# after the handshake and a bare `s_time -reuse` closes before reading them, so it never
# resumes: resumption is measured with TLS 1.2 (ticket inside the handshake), and with
# TLS 1.3 plus `-www /small` (the request reads the ticket) next to the same with full
# handshakes. s_time's "real seconds" is a whole number, so rates use wall time taken here.
s_time_run() {  # s_time_run PORT S_TIME_ARGS...: prints "RATE RESUMED_FRACTION CONNECTIONS"
    local p=$1 i spids=() t0 t1; shift
    t0=$(date +%s%N)
    for i in $(seq 1 "$stime_clients"); do
        taskset -c "$client_cpu" openssl s_time -ciphersuites "$client_suites" -connect "127.0.0.1:$p" "$@" \
            -time "$load_seconds" >"$tmp/stime.$i" 2>&1 &
        spids+=($!)
    done
    wait "${spids[@]}" || true
    t1=$(date +%s%N)
    cat "$tmp"/stime.* | awk -v wall_ms=$(((t1 - t0) / 1000000)) '
        / connections in [0-9.]+s;/ {n += $1}
        /^[*rt3]+$/ {all += length($0); r += gsub(/r/, "r")}
        END {printf "%.0f %.2f %d\n", n * 1000 / wall_ms, all ? r / all : 0, n}'
    rm -f "$tmp"/stime.*
}
declare -A stime_args=(
    [hs_new]="-tls1_3 -new" [hs_reuse12]="-tls1_2 -reuse"
    [hs_new_get]="-tls1_3 -new -www /small" [hs_reuse_get]="-tls1_3 -reuse -www /small"
)
for m in hs_new hs_reuse12 hs_new_get hs_reuse_get; do
    for side in "${sides[@]}"; do
        log "s_time ${stime_args[$m]}: $side"
        # shellcheck disable=SC2086 # the arguments are meant to split
        with_cpu "$side,$m" "${server_pid[$side]}" s_time_run "${port[$side]}" ${stime_args[$m]}
        read -r rate fraction connections <"$tmp/out"
        result[$side,$m]=$rate; reused[$side,$m]=$fraction
        result[$side,${m}_cost]=$(awk -v s="${cpu_s[$side,$m]}" -v n="$connections" 'BEGIN {print n ? sprintf("%.0f", s * 1e6 / n) : "ERR"}')
        check_alive
    done
done

# --- 3. MB/s through the terminator: the 256 MiB file over one TLS 1.3 connection, best of 3;
# a short or non-200 transfer is an error, not a fast one. The upstream alone (plain HTTP,
# same file, same core) is measured too, to show it is not what limits the figure.
best_of_3() {  # best_of_3 CMD...: best MB/s (10^6 bytes/s) of 3 runs of CMD printing "speed size code"
    local best=0 speed size code line
    for _ in 1 2 3; do
        line=$("$@" || true)   # $(...) not <(...): the shell must reap it for `times`
        read -r speed size code <<<"$line"
        if [[ "${code:-}" != 200 || "${size:-}" != "$big_bytes" ]]; then
            log "transfer failed: '$line'"; echo ERR; return 0
        fi
        best=$(awk -v a="$best" -v b="$speed" 'BEGIN {print (b > a ? b : a)}')
    done
    awk -v b="$best" 'BEGIN {printf "%.1f\n", b / 1e6}'
}
for side in "${sides[@]}"; do
    log "throughput: $side"
    with_cpu "$side,mbps" "${server_pid[$side]}" best_of_3 curl_tls "${port[$side]}" /big
    result[$side,mbps]=$(cat "$tmp/out")
    # Terminator CPU per GB moved: 3 transfers of the file.
    result[$side,mbps_cost]=$(awk -v s="${cpu_s[$side,mbps]}" -v r="${result[$side,mbps]}" -v b="$big_bytes" \
        'BEGIN {print r == "ERR" ? "ERR" : sprintf("%.2f", s / (3 * b / 1e9))}')
    check_alive
done
upstream_mbps=$(best_of_3 on_client curl -s -o /dev/null -w '%{speed_download} %{size_download} %{http_code}\n' "http://127.0.0.1:$upstream_port/big")

# --- 4. Latency of GET /small: a new connection (full handshake) per request, then many
# requests on one kept-alive connection (the upstream keeps it alive; both sides just relay).
latency() {  # latency PORT MODE N [--plain]: prints "P50 P99 CIPHER", P50/P99 "ERR" if any request failed
    local p=$1 mode=$2 n=$3 line; shift 3
    line=$(on_client "$python" bench/tls_latency.py --port "$p" --cafile "$ca" --mode "$mode" -n "$n" --warmup "$latency_warmup" "$@" 2>>"$tmp/latency.err") || true
    awk '{for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}}
         END {if (v["errors"] > 0 || v["n"] == 0) print "ERR ERR", v["cipher"]; else print v["p50_ms"], v["p99_ms"], v["cipher"]}' <<<"$line"
}
for mode in new keepalive; do
    n=$latency_new_requests; [[ $mode == keepalive ]] && n=$latency_keepalive_requests
    for side in "${sides[@]}"; do
        log "latency ($mode, $n requests): $side"
        with_cpu "$side,lat_$mode" "${server_pid[$side]}" latency "${port[$side]}" "$mode" "$n"
        read -r "result[$side,p50_$mode]" "result[$side,p99_$mode]" "python_cipher[$side]" <"$tmp/out"
        # Terminator CPU per request relayed (warm-up requests included: they were served too).
        result[$side,cost_$mode]=$(awk -v s="${cpu_s[$side,lat_$mode]}" -v n=$((n + latency_warmup)) 'BEGIN {printf "%.0f", s * 1e6 / n}')
        check_alive
    done
done
read -r upstream_p50 upstream_p99 _ <<<"$(latency "$upstream_port" new "$latency_new_requests" --plain)"

# --- 5. Memory per idle connection: RSS of the process holding the connections (tlsgw; the
# nginx worker) before, and 2 s after, N finished handshakes that then stay idle.
declare -A rss_before
for side in "${sides[@]}"; do
    log "idle connections ($idle_connections): $side"
    spid=${server_pid[$side]}
    before=$(rss_kib "$spid"); rss_before[$side]=$before
    taskset -c "$client_cpu" "$python" bench/idle_conns.py --port "${port[$side]}" --cafile "$ca" \
        -n "$idle_connections" --hold 60 >"$tmp/idle.out" 2>"$tmp/idle.err" &
    idle_pid=$!; pids+=("$idle_pid")
    for _ in $(seq 1 300); do
        grep -q '^ready' "$tmp/idle.out" && break
        kill -0 "$idle_pid" 2>/dev/null || break
        sleep 0.1
    done
    if grep -q '^ready ok=[0-9]* failed=0$' "$tmp/idle.out"; then
        sleep 2
        result[$side,kib_idle]=$(awk -v a="$(rss_kib "$spid")" -v b="$before" -v n="$idle_connections" 'BEGIN {printf "%.1f", (a - b) / n}')
    else
        log "idle connections to $side did not all open: $(cat "$tmp/idle.out")"; cat "$tmp/idle.err" >&2
        result[$side,kib_idle]=ERR
    fi
    kill -TERM "$idle_pid" 2>/dev/null || true
    wait "$idle_pid" 2>/dev/null || true
    check_alive
    sleep 1   # let the closes settle before the other side is measured
done

# --- Report.
ratio() {  # ratio A B: A/B to 2 places, or n/a
    awk -v a="$1" -v b="$2" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else print "n/a"}'
}
metrics=(hs_new hs_new_cost hs_reuse12 hs_reuse12_cost hs_new_get hs_new_get_cost hs_reuse_get hs_reuse_get_cost
    mbps mbps_cost p50_new p99_new cost_new p50_keepalive p99_keepalive cost_keepalive kib_idle)
declare -A label=(
    [hs_new]="full handshakes/s, TLS 1.3"
    [hs_new_cost]="  terminator CPU µs per full handshake, TLS 1.3"
    [hs_reuse12]="resumed handshakes/s, TLS 1.2 ticket"
    [hs_reuse12_cost]="  terminator CPU µs per resumed handshake, TLS 1.2"
    [hs_new_get]="full handshake + GET /small per s, TLS 1.3"
    [hs_new_get_cost]="  terminator CPU µs per full handshake + GET"
    [hs_reuse_get]="resumed handshake + GET /small per s, TLS 1.3 ticket"
    [hs_reuse_get_cost]="  terminator CPU µs per resumed handshake + GET"
    [mbps]="MB/s through the terminator, 256 MiB GET, TLS 1.3"
    [mbps_cost]="  terminator CPU s per GB"
    [p50_new]="p50 ms, GET /small, new TLS 1.3 connection each"
    [p99_new]="p99 ms, GET /small, new TLS 1.3 connection each"
    [cost_new]="  terminator CPU µs per request on a new connection"
    [p50_keepalive]="p50 ms, GET /small, one kept-alive TLS connection"
    [p99_keepalive]="p99 ms, GET /small, one kept-alive TLS connection"
    [cost_keepalive]="  terminator CPU µs per request on the kept-alive connection"
    [kib_idle]="KiB RSS per idle TLS connection"
)
better() { case $1 in hs_new | hs_reuse12 | hs_new_get | hs_reuse_get | mbps) echo higher ;; *) echo lower ;; esac; }
cpu_loads=(hs_new hs_reuse12 hs_new_get hs_reuse_get mbps lat_new lat_keepalive)

report="$tmp/report.md"
{
    echo "# tlsgw edge vs nginx stream — $(date -u '+%Y-%m-%d %H:%M:%SZ')"
    echo
    case "$tlsgw_build" in
        head) built="built from HEAD" ;;
        worktree) built="built from the working tree$(git -C "$repo" diff --quiet HEAD -- src native || echo ', with uncommitted changes')" ;;
        none) built="prebuilt artifacts/tlsgw, $(date -u -r "$tlsgw_dll" '+%H:%M:%SZ')" ;;
    esac
    echo "commit $(git -C "$repo" rev-parse --short HEAD) ($built); $(openssl version); $(nginx -v 2>&1 | sed 's/^nginx version: //');" \
        ".NET $(dotnet --version 2>/dev/null); CPU $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo) × $(nproc)"
    echo
    echo "Terminator on CPU $server_cpu; load generators and the shared plaintext upstream on CPU $client_cpu." \
        "Negotiated with the browser suite order of s_time, curl and s_client: tlsgw ${negotiated[tlsgw]}; nginx ${negotiated[nginx]}." \
        "The Python latency client offers OpenSSL's order (AES-256 first) and got: tlsgw ${python_cipher[tlsgw]}; nginx ${python_cipher[nginx]}."
    echo
    echo "| metric | tlsgw | nginx | ratio (tlsgw/nginx) |"
    echo "| --- | ---: | ---: | ---: |"
    for m in "${metrics[@]}"; do
        echo "| ${label[$m]} ($(better "$m") is better) | ${result[tlsgw,$m]} | ${result[nginx,$m]} | $(ratio "${result[tlsgw,$m]}" "${result[nginx,$m]}") |"
    done
    echo
    echo "CPU during each load, % of wall time: on CPU $server_cpu the terminator running, its threads runnable but waiting for" \
        "the CPU (summed over threads), and everything else (the idle terminator, other jobs); on CPU $client_cpu the load generators," \
        "the upstream, other jobs (busy minus ours) and the total busy. Bound by: the terminator running >= 85% (server), or CPU $server_cpu" \
        ">= 85% busy while the terminator waited >= 10% (server core shared with other jobs), else CPU $client_cpu >= 85% busy" \
        "(client core). Where the client core or other jobs did, the rate ratio says little and the terminator" \
        "CPU-per-operation rows are the comparison."
    echo
    echo "| load | side | terminator | terminator waiting | CPU $server_cpu other | load gen | upstream | CPU $client_cpu other | CPU $client_cpu busy | bound by |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    for k in "${cpu_loads[@]}"; do
        for side in "${sides[@]}"; do echo "| $k | $side | ${cpu_row[$side,$k]} |"; done
    done
    echo
    echo "Checks:"
    echo "- share of s_time connections resumed, tlsgw / nginx: TLS 1.3 -new ${reused[tlsgw,hs_new]} / ${reused[nginx,hs_new]}," \
        "TLS 1.2 -reuse ${reused[tlsgw,hs_reuse12]} / ${reused[nginx,hs_reuse12]}," \
        "TLS 1.3 -reuse -www ${reused[tlsgw,hs_reuse_get]} / ${reused[nginx,hs_reuse_get]}; $stime_clients concurrent s_time clients × ${load_seconds}s."
    echo "- upstream alone (plain HTTP, client core): $upstream_mbps MB/s for /big; p50/p99 $upstream_p50/$upstream_p99 ms for /small on new connections."
    echo "- RSS before the idle test: tlsgw $((rss_before[tlsgw] / 1024)) MiB, nginx worker $((rss_before[nginx] / 1024)) MiB."
    echo "- tlsgw log: $(grep -c '' "$tlsgw_log") lines, $(grep -ciE 'fail|error|exception|warn' "$tlsgw_log" || true) with fail/error/exception/warn;" \
        "nginx error log: $(grep -c '' "$ng/error.log" || true) lines; latency client error lines: $(cat "$tmp/latency.err" 2>/dev/null | wc -l)."
    echo "- run time: $(($(date +%s) - started_at)) s, build included."
} >"$report"

cat "$report"
cp "$report" "$repo/bench/last-run.md"
log "done in $(($(date +%s) - started_at))s; the tables are also in bench/last-run.md"

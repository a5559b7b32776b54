#!/usr/bin/env bash
# edge-vs-nginx.sh — runs `tlsgw edge` and nginx (stream TLS termination) side by side on the
# same OpenSSL, certificates and CPU pinning, and prints tlsgw/nginx ratios (DESIGN.md,
# "Benchmarks"): full TLS 1.3 handshakes/s with ECDSA P-256, RSA-2048 and mutual TLS, resumed
# handshakes/s, MB/s through the terminator (one connection, 256 MiB; and MiB/s of 1 MiB bodies
# on 16 kept-alive connections), request latency (p50/p99, one connection and 32 concurrent
# kept-alive ones), memory per idle connection (9,900 of them). Every figure is the median of
# BENCH_RUNS runs, and is meant as a ratio, never an absolute. Within a run, every load but the
# idle one runs in turns, the two sides alternating (A B, B A, ...), so that what changes on a
# shared machine over seconds falls on both sides alike; a side's figures are its turns pooled.
#
# Layout (the machine has 2 cores):
#   CPU 0: the terminators under test — three tlsgw edge processes (ECDSA, RSA, mTLS) and one
#          nginx stream worker serving the same three listeners (all run all along; only the
#          one being measured gets load).
#   CPU 1: the load generators (openssl s_time, curl, h2load, python) and the shared plaintext
#          upstream (a second nginx, sendfile on) that every terminator forwards to.
# With one client core the client often saturates before the terminator; every load
# therefore also reports the terminator's CPU cost per operation, which does not depend on
# who saturated, and a CPU table says which core limited each figure.
#
# Full handshakes are measured with `openssl s_time -new`, which never offers a session: h2load
# and wrk resume TLS sessions when they reconnect, so they are used only where connections are
# kept alive (their handshakes are a negligible share of the work there).
#
# Env: BENCH_BUILD=head (default: build the committed HEAD in the temp dir) | worktree (the
#      working tree, uncommitted edits included) | none (run artifacts/tlsgw as it is);
#      BENCH_RUNS (default 1): whole runs, terminators restarted for each, medians reported;
#      BENCH_SECONDS (default 5, at most 100): turns per side of each load (a handshake turn lasts two seconds;
#      the request, h2load and transfer loads split their work over the turns); BENCH_WARMUP (default 8) seconds of each
#      handshake kind per side before each run's figures;
#      BENCH_STIME_CLIENTS (default 2) concurrent s_time processes; BENCH_KEEP=1 keeps the
#      temp dir (configs, logs) for a post-mortem; BENCH_ADMIN=1 gives each tlsgw an admin port
#      (so its metrics are collected, as in production) to measure what metrics cost.
# Prints the tables on stdout and writes them to bench/last-run.md; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 LC_ALL=C

runs="${BENCH_RUNS:-1}"
load_seconds="${BENCH_SECONDS:-5}"
warmup_seconds="${BENCH_WARMUP:-8}"
stime_clients="${BENCH_STIME_CLIENTS:-2}"
[[ "$runs" =~ ^[1-9][0-9]*$ && "$load_seconds" =~ ^[1-9][0-9]*$ ]] && ((load_seconds <= 100)) ||
    { echo "bench: BENCH_RUNS must be a positive integer, BENCH_SECONDS one from 1 to 100 (turns per side)" >&2; exit 2; }
# tlsgw edge accepts at most 10,000 connections per listener (LimitsConfig.Default, no flag
# for it), so 10,000 idle clients would see the last few refused: both sides get 9,900.
idle_connections=9900
idle_ready_timeout=150   # seconds to open them all (about 20 s per side on the client core)
latency_new_requests=1000
latency_keepalive_requests=10000
latency_warmup=20   # unmeasured requests before each latency run
big_bytes=$((256 * 1024 * 1024))
mib=$((1024 * 1024))
bulk_clients=16; bulk_requests=2000     # h2load: 2 GiB of 1 MiB bodies on kept-alive connections
small_clients=32; small_requests=40000  # h2load: latency distribution at moderate concurrency
load_timeout=120    # hard bound, in seconds, on any one load generator
server_cpu=0
client_cpu=1
# Clients offer TLS 1.3 suites in browser order (AES-128-GCM first). nginx follows the client's
# order and tlsgw its own; with OpenSSL's client default (AES-256 first) they would bulk-encrypt
# with different ciphers and MB/s would compare ciphers, not terminators. Python's ssl module
# cannot set TLS 1.3 suites, so the latency and idle clients keep OpenSSL's order.
client_suites="TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
started_at=$(date +%s)

log() { echo "bench: [$(($(date +%s) - started_at))s] $*" >&2; }

# --- Dependencies: nginx with its stream module (a dynamic module on Debian), openssl, curl,
# h2load (nghttp2-client).
install_missing() {
    local missing=() package
    for package in nginx libnginx-mod-stream openssl curl nghttp2-client; do
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

# Each terminator holds 2 descriptors per idle client connection (client side and upstream)
# plus its own (~115 for tlsgw, which keeps 256 free and refuses connections beyond that:
# src/TlsGateway.Edge/DescriptorBudget.cs): raise the soft limit to the hard one (a container
# may cap it; here it is 20,000) and hold fewer idle connections if even that is too low.
hard_nofile=$(ulimit -Hn)
[[ "$hard_nofile" == unlimited ]] && hard_nofile=65536
nofile=$((hard_nofile < 65536 ? hard_nofile : 65536))
ulimit -n "$nofile"
if ((2 * idle_connections + 300 > nofile)); then
    idle_connections=$(((nofile - 300) / 2))
    log "ulimit -n $nofile: holding only $idle_connections idle connections"
fi
((idle_connections >= 100)) || { log "ulimit -n $nofile is too low for the idle-connection test"; exit 1; }

# --- Processes: every one started is recorded and stopped on exit, by PID. Background jobs
# are started with taskset directly (never through a shell function), so $! is the process
# itself and not a subshell whose death would orphan it.
tmp="$(mktemp -d /tmp/tlsgw-bench.XXXXXX)"
pids=()
# stop_pid, cleanup, free_ports, wait_listening, alive_or_die; proc_ticks, core_ticks, wait_ns, hz;
# cpu_mark, cpu_seconds, cpu_usage_row.
source "$repo/bench/lib/processes.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

first_child() {  # first_child PID: an nginx master's worker, waiting for it to appear
    local child=""
    for _ in $(seq 1 50); do child=$(pgrep -P "$1" | head -1 || true); [[ -n "$child" ]] && break; sleep 0.1; done
    [[ -n "$child" ]] || { log "no worker under nginx master $1"; exit 1; }
    echo "$child"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
wait_fds() {  # wait_fds PID ge|le N SECONDS: until PID holds >= (or <=) N descriptors; 1 on timeout
    local deadline=$(($(date +%s) + $4)) n
    while :; do
        n=$(fd_count "$1")
        if [[ $2 == ge ]] && ((n >= $3)); then return 0; fi
        if [[ $2 == le ]] && ((n <= $3)); then return 0; fi
        (($(date +%s) < deadline)) || return 1
        sleep 0.2
    done
}

# --- CPU accounting (cpu_mark, cpu_seconds, cpu_usage_row: bench/lib/processes.sh), plus:
# load_cpu_ms FILE: CPU the load generators used, from `times` output saved in FILE (the
# shell's reaped-children rusage; `times` must run in this shell, not in a $(...) subshell).
load_cpu_ms() {
    awk 'NR == 2 {split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000}' "$1"
}

# with_cpu KEY SERVER_PID CMD...: runs CMD (stdout to $tmp/out) and records, under KEY, the
# terminator's CPU seconds and, as % of one core over the run: the terminator, the rest of
# the server core, the load generators, the upstream, the rest of the client core, and the
# client core's total busy time. The "rest" is other people's jobs on a shared machine: what
# makes a figure bound by a shared core unreliable. Called again with the same KEY, it adds:
# cpu_s and cpu_row then cover every slice run under KEY (cpu_sum holds the summed differences
# of the cpu_mark fields, loadgen_ms the load generators' CPU).
declare -A cpu_s cpu_row cpu_sum loadgen_ms
no_cpu="0 0 0 0 0 0 0 0"   # a cpu_mark of zeros: the origin the sums are measured from
with_cpu() {
    local key=$1 pid=$2; shift 2
    local before after rc=0
    times >"$tmp/times0"
    before=$(cpu_mark "$pid" "$upstream_worker")
    "$@" >"$tmp/out" || rc=$?
    times >"$tmp/times1"
    after=$(cpu_mark "$pid" "$upstream_worker")
    cpu_sum[$key]=$(awk -v a="$before" -v b="$after" -v s="${cpu_sum[$key]:-$no_cpu}" \
        'BEGIN {split(a, x); split(b, y); n = split(s, t); for (i = 1; i <= n; i++) printf "%s%.0f", (i > 1 ? " " : ""), t[i] + (y[i] - x[i])}')
    loadgen_ms[$key]=$((${loadgen_ms[$key]:-0} + $(load_cpu_ms "$tmp/times1") - $(load_cpu_ms "$tmp/times0")))
    cpu_s[$key]=$(cpu_seconds "$no_cpu" "${cpu_sum[$key]}")
    cpu_row[$key]=$(cpu_usage_row "$no_cpu" "${cpu_sum[$key]}" "${loadgen_ms[$key]}")
    return $rc
}

# --- Build tlsgw (bench/build-tlsgw.sh: HEAD snapshot by default, BENCH_BUILD to change).
tlsgw_build="${BENCH_BUILD:-head}"
tlsgw_dll="$(bash "$repo/bench/build-tlsgw.sh" "$tmp")"

# --- One throw-away ECDSA P-256 CA; under it an ECDSA P-256 and an RSA-2048 server leaf and an
# ECDSA P-256 client leaf (for mTLS). The chain files are the leaf alone: both terminators send
# the same bytes, and the clients trust the CA directly.
pki="$tmp/pki"; mkdir -p "$pki"
(
    cd "$pki"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -subj "/CN=tlsgw bench CA" -days 2 -out ca.pem \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    leaf() {  # leaf NAME EKU KEY_ALGORITHM_ARGS...: NAME.key and NAME.pem, CN=localhost, signed by the CA
        local name=$1 eku=$2; shift 2
        openssl genpkey "$@" -out "$name.key" 2>/dev/null
        openssl req -new -key "$name.key" -subj "/CN=localhost" -out "$name.csr"
        printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
            "extendedKeyUsage=$eku" "subjectAltName=DNS:localhost,IP:127.0.0.1" >"$name.ext"
        openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile "$name.ext" -out "$name.pem" 2>/dev/null
    }
    leaf leaf serverAuth -algorithm EC -pkeyopt ec_paramgen_curve:P-256
    leaf rsa serverAuth -algorithm RSA -pkeyopt rsa_keygen_bits:2048
    leaf client clientAuth -algorithm EC -pkeyopt ec_paramgen_curve:P-256
    chmod 600 ./*.key
)
ca="$pki/ca.pem"; client_cert="$pki/client.pem"; client_key="$pki/client.key"
variants=(ecdsa rsa mtls)   # the three listeners of each side
declare -A cert=([ecdsa]="$pki/leaf.pem" [rsa]="$pki/rsa.pem" [mtls]="$pki/leaf.pem")
declare -A key=([ecdsa]="$pki/leaf.key" [rsa]="$pki/rsa.key" [mtls]="$pki/leaf.key")
read -r upstream_port nginx_ecdsa nginx_rsa nginx_mtls tlsgw_ecdsa tlsgw_rsa tlsgw_mtls admin_ecdsa admin_rsa admin_mtls <<<"$(free_ports 10)"
declare -A port=(
    [nginx,ecdsa]=$nginx_ecdsa [nginx,rsa]=$nginx_rsa [nginx,mtls]=$nginx_mtls
    [tlsgw,ecdsa]=$tlsgw_ecdsa [tlsgw,rsa]=$tlsgw_rsa [tlsgw,mtls]=$tlsgw_mtls
    [admin,ecdsa]=$admin_ecdsa [admin,rsa]=$admin_rsa [admin,mtls]=$admin_mtls
)

# --- The shared upstream: plain-HTTP nginx, sendfile, keep-alive, a 256 MiB /big, a 1 MiB /1m
# and a tiny /small. Both nginx instances get their own prefix, pid, logs and temp paths, so
# the system nginx configuration is never read. nginx counts upstream connections against
# worker_connections too, so a stream terminator needs 2 per idle client: both get the fd limit.
up="$tmp/upstream"; mkdir -p "$up/www"
head -c "$big_bytes" /dev/zero >"$up/www/big"
head -c "$mib" /dev/zero >"$up/www/1m"
printf 'ok\n' >"$up/www/small"
cat >"$up/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $up/nginx.pid;
error_log $up/error.log warn;
worker_rlimit_nofile $nofile;
events { worker_connections $nofile; }
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

# --- nginx as the TLS terminator: stream module, one worker, tickets on, default suites; the
# three listeners mirror the three tlsgw processes.
ng="$tmp/nginx-tls"; mkdir -p "$ng"
cat >"$ng/nginx.conf" <<EOF
load_module $stream_module;
user root;
worker_processes 1;
daemon off;
pid $ng/nginx.pid;
error_log $ng/error.log warn;
worker_rlimit_nofile $nofile;
events { worker_connections $nofile; }
stream {
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets on;
    server {
        listen 127.0.0.1:${port[nginx,ecdsa]} ssl;
        proxy_pass 127.0.0.1:$upstream_port;
        ssl_certificate ${cert[ecdsa]};
        ssl_certificate_key ${key[ecdsa]};
    }
    server {
        listen 127.0.0.1:${port[nginx,rsa]} ssl;
        proxy_pass 127.0.0.1:$upstream_port;
        ssl_certificate ${cert[rsa]};
        ssl_certificate_key ${key[rsa]};
    }
    server {
        listen 127.0.0.1:${port[nginx,mtls]} ssl;
        proxy_pass 127.0.0.1:$upstream_port;
        ssl_certificate ${cert[mtls]};
        ssl_certificate_key ${key[mtls]};
        ssl_verify_client on;
        ssl_client_certificate $ca;
    }
}
EOF
for dir in "$up" "$ng"; do
    nginx -t -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" 2>"$tmp/nginx-t.log" ||
        { cat "$tmp/nginx-t.log" >&2; log "nginx rejected $dir/nginx.conf"; exit 1; }
done

# The upstream runs for the whole script; the terminators are restarted for every run, so
# each run starts from a fresh heap (RSS) and its own warm-up.
log "upstream :$upstream_port on CPU $client_cpu; nginx :${port[nginx,ecdsa]},${port[nginx,rsa]},${port[nginx,mtls]}" \
    "and tlsgw :${port[tlsgw,ecdsa]},${port[tlsgw,rsa]},${port[tlsgw,mtls]} (ECDSA, RSA, mTLS) on CPU $server_cpu"
taskset -c "$client_cpu" nginx -p "$up" -e "$up/error.log" -c "$up/nginx.conf" >"$up/stdout.log" 2>&1 &
upstream_pid=$!; pids+=("$upstream_pid")
wait_listening "$upstream_port" "$upstream_pid" "upstream nginx" "$up/error.log"
upstream_worker=$(first_child "$upstream_pid")

sides=(tlsgw nginx)
declare -A server_pid tlsgw_log   # server_pid[SIDE,VARIANT]: the process holding the connections
declare -A tlsgw_args=(
    [ecdsa]="" [rsa]="" [mtls]="--ca $ca --require-client-cert"
)
if [[ "${BENCH_ADMIN:-0}" == 1 ]]; then
    for variant in "${!tlsgw_args[@]}"; do tlsgw_args[$variant]+=" --admin 127.0.0.1:${port[admin,$variant]}"; done
fi
start_terminators() {  # nginx (one worker, three listeners) and three tlsgw processes, all on the server core
    local variant pid
    taskset -c "$server_cpu" nginx -p "$ng" -e "$ng/error.log" -c "$ng/nginx.conf" >>"$ng/stdout.log" 2>&1 &
    nginx_master=$!; pids+=("$nginx_master")
    for variant in "${variants[@]}"; do
        tlsgw_log[$variant]="$tmp/tlsgw-$variant.run$run.log"
        # shellcheck disable=SC2086 # tlsgw_args are meant to split
        taskset -c "$server_cpu" dotnet "$tlsgw_dll" edge --listen "127.0.0.1:${port[tlsgw,$variant]}" \
            --cert "${cert[$variant]}" --key "${key[$variant]}" ${tlsgw_args[$variant]} \
            --upstream "127.0.0.1:$upstream_port" >"${tlsgw_log[$variant]}" 2>&1 &
        pid=$!; pids+=("$pid"); server_pid[tlsgw,$variant]=$pid
    done
    for variant in "${variants[@]}"; do
        wait_listening "${port[nginx,$variant]}" "$nginx_master" "nginx (TLS)" "$ng/error.log"
        wait_listening "${port[tlsgw,$variant]}" "${server_pid[tlsgw,$variant]}" "tlsgw edge ($variant)" "${tlsgw_log[$variant]}"
    done
    nginx_worker=$(first_child "$nginx_master")
    for variant in "${variants[@]}"; do server_pid[nginx,$variant]=$nginx_worker; done
}
stop_terminators() {
    local variant
    for variant in "${variants[@]}"; do stop_pid "${server_pid[tlsgw,$variant]}"; done
    stop_pid "$nginx_master"
}
check_alive() {
    local variant
    for variant in "${variants[@]}"; do
        alive_or_die "${server_pid[tlsgw,$variant]}" "tlsgw ($variant)" "${tlsgw_log[$variant]}"
    done
    alive_or_die "$nginx_worker" "nginx worker" "$ng/error.log"
}

# result[RUN,SIDE,METRIC]: one figure of one run ("ERR" when its load failed).
declare -A result
put() { result[$run,$1,$2]=$3; }   # put SIDE METRIC VALUE, for the current run
declare -A negotiated python_cipher
on_client() { taskset -c "$client_cpu" "$@"; }
curl_tls() {  # curl_tls PORT PATH [CURL_ARGS...]: one HTTPS GET (TLS 1.3, HTTP/1.1), CA verified; "speed size code"
    local p=$1 path=$2; shift 2
    on_client curl -s -o /dev/null --max-time 60 --http1.1 --tlsv1.3 --tls13-ciphers "$client_suites" --cacert "$ca" \
        --resolve "localhost:$p:127.0.0.1" -w '%{speed_download} %{size_download} %{http_code}\n' "$@" "https://localhost:$p$path"
}

# What each side negotiates with the benchmark's clients (reported with the figures).
check_negotiated() {
    local side variant
    for side in "${sides[@]}"; do
        for variant in ecdsa rsa; do
            negotiated[$side,$variant]=$(timeout 10 openssl s_client -connect "127.0.0.1:${port[$side,$variant]}" -tls1_3 \
                -ciphersuites "$client_suites" -brief </dev/null 2>&1 |
                awk -F': ' '/^Ciphersuite/ {c = $2} /^(Server|Peer) Temp Key/ {g = $2} /^(Peer s|S)ignature type/ {s = $2}
                            END {print c ", " g ", " s}')
        done
    done
}

# mTLS must really be enforced, or its figures would measure plain handshakes: a GET with the
# client certificate must succeed and one without must not. (nginx logs the refused one as
# "[crit] SSL_shutdown() failed ... application data after close notify": one line per run.)
check_mtls() {
    local side with without
    for side in "${sides[@]}"; do
        read -r _ _ with <<<"$(curl_tls "${port[$side,mtls]}" /small --cert "$client_cert" --key "$client_key" || true)"
        read -r _ _ without <<<"$(curl_tls "${port[$side,mtls]}" /small || true)"
        if [[ "$with" == 200 && "$without" != 200 ]]; then
            put "$side" mtls_check ok
        else
            put "$side" mtls_check "FAILED (with a client cert: HTTP $with, without: HTTP $without)"
            log "mTLS on $side is not enforced as expected: with a client cert HTTP $with, without HTTP $without"
        fi
    done
}

# Warm-up, not measured: .NET tiers up its hot paths; both sides fill their caches. Tiering is
# not done after a second: the runtime promotes a method only after a 100 ms lull in new
# call-counting, which a steady load keeps postponing, and resumed handshakes cost 365 µs of
# CPU in the first second of load and settled at ~250 from the 8th (bench/RESULTS.md,
# 2026-11-24). So each load kind gets BENCH_WARMUP seconds (default 8) on each side, and the
# figures are the steady state a long-running edge lives in; the first seconds are not in them.
warm_up() {
    local side
    log "warming up (${warmup_seconds} s per handshake kind and side)"
    for side in "${sides[@]}"; do
        stime -connect "127.0.0.1:${port[$side,ecdsa]}" -tls1_3 -new -time "$warmup_seconds" >/dev/null 2>&1 || true
        stime -connect "127.0.0.1:${port[$side,ecdsa]}" -tls1_2 -reuse -time "$warmup_seconds" >/dev/null 2>&1 || true
        stime -connect "127.0.0.1:${port[$side,rsa]}" -tls1_3 -new -time "$warmup_seconds" >/dev/null 2>&1 || true
        stime -connect "127.0.0.1:${port[$side,mtls]}" -tls1_3 -new -time "$warmup_seconds" -cert "$client_cert" -key "$client_key" >/dev/null 2>&1 || true
        curl_tls "${port[$side,ecdsa]}" /big >/dev/null || true
        h2load_run "${port[$side,ecdsa]}" /small 8 4000 >/dev/null 2>&1 || true
        on_client timeout "$load_timeout" "$python" bench/tls_latency.py --port "${port[$side,ecdsa]}" --cafile "$ca" \
            -n 200 --warmup 0 >/dev/null 2>&1 || true
    done
}
stime() { taskset -c "$client_cpu" openssl s_time -ciphersuites "$client_suites" "$@"; }

# --- 1, 2. Handshakes/s with openssl s_time, a few concurrent clients on the client core
# (one client idles during each round trip). s_time prints a mark per connection, "r" when
# the session was resumed, so each run shows whether it really resumed. TLS 1.3 sends tickets
# after the handshake and a bare `s_time -reuse` closes before reading them, so it never
# resumes: resumption is measured with TLS 1.2 (ticket inside the handshake), and with
# TLS 1.3 plus `-www /small` (the request reads the ticket) next to the same with full
# handshakes. s_time's "real seconds" is a whole number, so rates use wall time taken here.
s_time_run() {  # s_time_run PORT SECONDS S_TIME_ARGS...: prints "WALL_MS CONNECTIONS RESUMED_MARKS MARKS"
    local p=$1 seconds=$2 i spids=() t0 t1; shift 2
    t0=$(date +%s%N)
    for i in $(seq 1 "$stime_clients"); do
        taskset -c "$client_cpu" openssl s_time -ciphersuites "$client_suites" -connect "127.0.0.1:$p" "$@" \
            -time "$seconds" >"$tmp/stime.$i" 2>&1 &
        spids+=($!)
    done
    wait "${spids[@]}" || true
    t1=$(date +%s%N)
    cat "$tmp"/stime.* | awk -v wall_ms=$(((t1 - t0) / 1000000)) '
        / connections in [0-9.]+s;/ {n += $1}
        /^[*rt3]+$/ {all += length($0); r += gsub(/r/, "r")}
        END {printf "%d %d %d %d\n", wall_ms, n, r, all}'
    rm -f "$tmp"/stime.*
}
handshake_metrics=(hs_new hs_new_rsa hs_new_mtls hs_reuse12 hs_new_get hs_reuse_get)
declare -A stime_args=(
    [hs_new]="-tls1_3 -new" [hs_new_rsa]="-tls1_3 -new" [hs_new_mtls]="-tls1_3 -new -cert $client_cert -key $client_key"
    [hs_reuse12]="-tls1_2 -reuse" [hs_new_get]="-tls1_3 -new -www /small" [hs_reuse_get]="-tls1_3 -reuse -www /small"
)
declare -A listener_of=([hs_new_rsa]=rsa [hs_new_mtls]=mtls)   # the rest use the ECDSA listener
# next_second: sleeps until the clock's next whole second. s_time stops once its clock, in whole
# seconds, is past its start + -time: started just after a second begins, every client runs
# -time + 1 seconds and they all stop together (started at random, a turn would last 1-2 s).
next_second() { sleep "0.$(printf %09d $((1000000000 - $(date +%s%N) % 1000000000)))"; }

# turns SLICE: the two sides in the order they take slice SLICE (A B, B A, A B, ...).
turns() { if (($1 % 2)); then echo "${sides[@]}"; else echo "${sides[1]} ${sides[0]}"; fi; }

# Each load runs as BENCH_SECONDS two-second slices per side, the sides taking turns slice by
# slice (A B, B A, A B, ...). This VM's speed moves by ±30 % within seconds when neighbours are
# busy; 5-second runs one side after the other let that fall on one side only, and moved the same
# code's ratios by up to ±0.2 between passes (bench/RESULTS.md, 2026-11-24). Each side's figures
# are its slices summed: connections over its own wall time, and its CPU over its connections.
measure_handshakes() {
    local m side variant slice wall connections resumed marks order
    local -A wall_ms connections_of resumed_of marks_of
    for m in "${handshake_metrics[@]}"; do
        variant=${listener_of[$m]:-ecdsa}
        wall_ms=(); connections_of=(); resumed_of=(); marks_of=()
        log "s_time ${stime_args[$m]/ -cert*/ -cert client.pem} ($variant): $load_seconds two-second slices per side, alternating"
        for slice in $(seq 1 "$load_seconds"); do
            read -ra order <<<"$(turns "$slice")"
            for side in "${order[@]}"; do
                next_second
                # shellcheck disable=SC2086 # the arguments are meant to split
                with_cpu "$run,$side,$m" "${server_pid[$side,$variant]}" s_time_run "${port[$side,$variant]}" 1 ${stime_args[$m]}
                read -r wall connections resumed marks <"$tmp/out"
                wall_ms[$side]=$((${wall_ms[$side]:-0} + wall)); connections_of[$side]=$((${connections_of[$side]:-0} + connections))
                resumed_of[$side]=$((${resumed_of[$side]:-0} + resumed)); marks_of[$side]=$((${marks_of[$side]:-0} + marks))
            done
            check_alive
        done
        for side in "${sides[@]}"; do
            put "$side" "$m" "$(awk -v n="${connections_of[$side]}" -v w="${wall_ms[$side]}" 'BEGIN {printf "%.0f", w ? n * 1000 / w : 0}')"
            put "$side" "reused_$m" "$(awk -v r="${resumed_of[$side]}" -v a="${marks_of[$side]}" 'BEGIN {printf "%.2f", a ? r / a : 0}')"
            put "$side" "${m}_cost" "$(awk -v s="${cpu_s[$run,$side,$m]}" -v n="${connections_of[$side]}" 'BEGIN {print n ? sprintf("%.0f", s * 1e6 / n) : "ERR"}')"
            if [[ $m == hs_new_mtls && "${result[$run,$side,mtls_check]}" != ok ]]; then
                put "$side" "$m" ERR; put "$side" "${m}_cost" ERR
            fi
        done
    done
}

# --- 3. MB/s through the terminator: the 256 MiB file over one TLS 1.3 connection, best of 3;
# a short or non-200 transfer is an error, not a fast one. The upstream alone (plain HTTP,
# same file, same core) is measured too, to show it is not what limits the figure.
transfer_mbps() {  # transfer_mbps CMD...: MB/s (10^6 bytes/s) of one run of CMD printing "speed size code"; ERR unless whole and 200
    local speed size code line
    line=$("$@" || true)   # $(...) not <(...): the shell must reap it for `times`
    read -r speed size code <<<"$line"
    if [[ "${code:-}" != 200 || "${size:-}" != "$big_bytes" ]]; then
        log "transfer failed: '$line'"; echo ERR; return 0
    fi
    awk -v b="$speed" 'BEGIN {printf "%.1f\n", b / 1e6}'
}
best() { sort -g | awk '/^[0-9.]+$/ {b = $1} /ERR/ {e = 1} END {print e || b == "" ? "ERR" : b}'; }  # best of the figures on stdin; ERR if any failed
measure_single_stream() {
    local side transfer
    local -A speeds
    for transfer in 1 2 3; do   # one transfer per side at a time, the sides taking turns
        for side in $(turns "$transfer"); do
            log "throughput, one connection, transfer $transfer of 3: $side"
            with_cpu "$run,$side,mbps" "${server_pid[$side,ecdsa]}" transfer_mbps curl_tls "${port[$side,ecdsa]}" /big
            speeds[$side]+="$(cat "$tmp/out") "
            check_alive
        done
    done
    for side in "${sides[@]}"; do
        put "$side" mbps "$(tr ' ' '\n' <<<"${speeds[$side]}" | grep . | best)"
        # Terminator CPU per GB moved: 3 transfers of the file.
        put "$side" mbps_cost "$(awk -v s="${cpu_s[$run,$side,mbps]}" -v r="${result[$run,$side,mbps]}" -v b="$big_bytes" \
            'BEGIN {print r == "ERR" ? "ERR" : sprintf("%.2f", s / (3 * b / 1e9))}')"
    done
    put upstream mbps "$(for _ in 1 2 3; do transfer_mbps on_client curl -s -o /dev/null --max-time 60 \
        -w '%{speed_download} %{size_download} %{http_code}\n' "http://127.0.0.1:$upstream_port/big"; done | best)"
}

# --- 4. h2load over HTTP/1.1 (--h1; neither terminator offers ALPN, so h2load falls back to
# HTTP/1.1 and says so on stderr) on kept-alive connections, one request in flight on each.
# 4a: MiB/s of 1 MiB bodies on 16 connections. 4b: request rate and the p50/p99 of "time for
# request" (send to last byte; connect and handshake excluded) of /small on 32 connections,
# from h2load's per-request log since its summary has no percentiles. Each load runs in
# BENCH_SECONDS slices per side, the sides taking turns (as the handshakes do); a side's figures
# are its slices summed, and its percentiles are over the requests of all its slices.
h2load_run() {  # h2load_run PORT PATH CLIENTS REQUESTS [LOG]: h2load's summary on stdout, per-request log appended to LOG
    local log_file=${5:-$tmp/h2load.log}
    [[ $# -ge 5 ]] || rm -f "$log_file"
    on_client timeout "$load_timeout" h2load --h1 --tls13-ciphers "$client_suites" -t 1 -c "$3" -n "$4" \
        --log-file "$tmp/h2load.slice.log" "https://127.0.0.1:$1$2" 2>>"$tmp/h2load.err"
    local rc=$?
    cat "$tmp/h2load.slice.log" >>"$log_file" 2>/dev/null
    rm -f "$tmp/h2load.slice.log"
    return $rc
}
h2load_summary() {  # h2load_summary FILE: "SECONDS SUCCEEDED DATA_BYTES" from h2load's output
    awk '/^finished in / {t = $3; s = t ~ /ms,?$/ ? t * 1e-3 : t ~ /us,?$/ ? t * 1e-6 : t + 0}
         /^requests: / {ok = $8}
         /^traffic: / {if (match($0, /\(([0-9]+)\) data/)) {d = substr($0, RSTART + 1, RLENGTH - 7)}}
         END {printf "%s %.0f %.0f\n", s + 0, ok, d}' "$1"
}
p50_p99() {  # p50_p99 N PER_MS: "P50_MS P99_MS" of the numbers on stdin (PER_MS of them to a ms), nearest rank; ERR unless N of them
    sort -g | awk -v want="$1" -v per="$2" '{v[NR] = $1}
        END {if (NR != want || NR == 0) {print "ERR ERR"; exit}
             r50 = int((NR * 50 + 99) / 100); r99 = int((NR * 99 + 99) / 100)
             printf "%.3f %.3f\n", v[r50] / per, v[r99] / per}'
}
log_percentiles() {  # log_percentiles FILE N: "P50_MS P99_MS" of h2load's column 3 (µs); ERR unless N rows, all 200
    awk -F'\t' '$2 == 200 {print $3}' "$1" | p50_p99 "$2" 1000
}
h2load_slices() {  # h2load_slices KEY PATH CLIENTS REQUESTS: each side's REQUESTS in BENCH_SECONDS turns; "SECONDS OK BYTES" per side in h2_total
    local key=$1 path=$2 clients=$3 requests=$4 slice side secs ok bytes
    local per_slice=$((requests / load_seconds))
    h2_total=(); rm -f "$tmp"/h2load.*.log
    for slice in $(seq 1 "$load_seconds"); do
        for side in $(turns "$slice"); do
            with_cpu "$run,$side,$key" "${server_pid[$side,ecdsa]}" h2load_run "${port[$side,ecdsa]}" "$path" "$clients" "$per_slice" "$tmp/h2load.$side.log" || true
            read -r secs ok bytes <<<"$(h2load_summary "$tmp/out")"
            [[ ${ok:-0} == "$per_slice" ]] || { log "h2load $path on $side: $ok of $per_slice succeeded"; tail -5 "$tmp/out" >&2; }
            h2_total[$side]=$(awk -v t="${h2_total[$side]:-0 0 0}" -v s="$secs" -v o="$ok" -v b="$bytes" \
                'BEGIN {split(t, x); printf "%s %.0f %.0f", x[1] + s, x[2] + o, x[3] + b}')
        done
        check_alive
    done
}
declare -A h2_total
measure_h2load() {
    local side secs ok bytes p50 p99
    # What the turns add up to (the requests split evenly over them).
    local bulk_total=$((bulk_requests / load_seconds * load_seconds)) small_total=$((small_requests / load_seconds * load_seconds))
    log "h2load, $bulk_requests × 1 MiB on $bulk_clients connections, $load_seconds turns per side"
    h2load_slices h2_bulk /1m "$bulk_clients" "$bulk_requests"
    for side in "${sides[@]}"; do
        read -r secs ok bytes <<<"${h2_total[$side]}"
        if ((ok == bulk_total && bytes == bulk_total * mib)); then
            put "$side" h2_bulk "$(awk -v b="$bytes" -v s="$secs" -v m="$mib" 'BEGIN {printf "%.1f", b / m / s}')"
            put "$side" h2_bulk_cost "$(awk -v c="${cpu_s[$run,$side,h2_bulk]}" -v b="$bytes" 'BEGIN {printf "%.2f", c / (b / 2^30)}')"
        else
            put "$side" h2_bulk ERR; put "$side" h2_bulk_cost ERR
        fi
    done

    log "h2load, $small_requests × /small on $small_clients connections, $load_seconds turns per side"
    h2load_slices h2_small /small "$small_clients" "$small_requests"
    for side in "${sides[@]}"; do
        read -r secs ok bytes <<<"${h2_total[$side]}"
        read -r p50 p99 <<<"$(log_percentiles "$tmp/h2load.$side.log" "$small_total")"
        if ((ok == small_total)) && [[ $p99 != ERR ]]; then
            put "$side" h2_small_rps "$(awk -v n="$ok" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')"
            put "$side" h2_small_p50 "$p50"; put "$side" h2_small_p99 "$p99"
            # Includes the 32 handshakes of each slice: well under 1 µs per request.
            put "$side" h2_small_cost "$(awk -v c="${cpu_s[$run,$side,h2_small]}" -v n="$ok" 'BEGIN {printf "%.0f", c * 1e6 / n}')"
        else
            put "$side" h2_small_rps ERR; put "$side" h2_small_p50 ERR; put "$side" h2_small_p99 ERR; put "$side" h2_small_cost ERR
        fi
    done
}

# --- 5. Latency of GET /small, one request at a time: a new connection (full handshake) per
# request, then many requests on one kept-alive connection (the upstream keeps it alive; both
# sides just relay).
latency() {  # latency PORT MODE N [ARGS...]: prints "P50 P99 CIPHER", P50/P99 "ERR" if any request failed
    local p=$1 mode=$2 n=$3 line; shift 3
    line=$(on_client timeout "$load_timeout" "$python" bench/tls_latency.py --port "$p" --cafile "$ca" --mode "$mode" -n "$n" \
        --warmup "$latency_warmup" "$@" 2>>"$tmp/latency.err") || true
    awk '{for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}}
         END {if (v["errors"] > 0 || v["n"] == 0) print "ERR ERR", v["cipher"]; else print v["p50_ms"], v["p99_ms"], v["cipher"]}' <<<"$line"
}
# Each mode's requests run in BENCH_SECONDS turns per side (as the handshakes do); a side's
# percentiles are over the requests of all its turns, its CPU per request over all of them.
measure_latency() {
    local mode n per_turn turn side p50 p99
    local -A failed_of
    for mode in new keepalive; do
        n=$latency_new_requests; [[ $mode == keepalive ]] && n=$latency_keepalive_requests
        per_turn=$((n / load_seconds)); n=$((per_turn * load_seconds))
        log "latency ($mode, $n requests): $load_seconds turns per side"
        rm -f "$tmp"/latency.*.samples; failed_of=()
        for turn in $(seq 1 "$load_seconds"); do
            for side in $(turns "$turn"); do
                with_cpu "$run,$side,lat_$mode" "${server_pid[$side,ecdsa]}" latency "${port[$side,ecdsa]}" "$mode" "$per_turn" \
                    --samples "$tmp/latency.$side.samples"
                read -r p50 _ "python_cipher[$side]" <"$tmp/out"
                [[ $p50 != ERR ]] || failed_of[$side]=1
            done
            check_alive
        done
        for side in "${sides[@]}"; do
            read -r p50 p99 <<<"$(p50_p99 "$n" 1 <"$tmp/latency.$side.samples")"
            [[ -z "${failed_of[$side]:-}" ]] || { p50=ERR; p99=ERR; }
            put "$side" "p50_$mode" "$p50"; put "$side" "p99_$mode" "$p99"
            # Terminator CPU per request relayed (each turn's warm-up requests included: they were served too).
            put "$side" "cost_$mode" "$(awk -v s="${cpu_s[$run,$side,lat_$mode]}" -v n=$((n + load_seconds * latency_warmup)) 'BEGIN {printf "%.0f", s * 1e6 / n}')"
        done
    done
    read -r p50 p99 _ <<<"$(latency "$upstream_port" new "$latency_new_requests" --plain)"
    put upstream p50_new "$p50"; put upstream p99_new "$p99"
}

# --- 6. Memory per idle connection: RSS of the process holding the connections (tlsgw; the
# nginx worker) before, and 2 s after, N finished handshakes that then stay idle — "after"
# meaning once it also holds the N upstream connections (its descriptor count says so).
measure_idle() {
    local side spid before base_fds idle_pid ready=""
    for side in "${sides[@]}"; do
        log "idle connections ($idle_connections): $side"
        spid=${server_pid[$side,ecdsa]}
        before=$(rss_kib "$spid"); base_fds=$(fd_count "$spid")
        put "$side" rss_before "$before"
        taskset -c "$client_cpu" "$python" bench/idle_conns.py --port "${port[$side,ecdsa]}" --cafile "$ca" \
            -n "$idle_connections" --hold $((idle_ready_timeout + 60)) >"$tmp/idle.out" 2>"$tmp/idle.err" &
        idle_pid=$!; pids+=("$idle_pid")
        for _ in $(seq 1 $((idle_ready_timeout * 5))); do
            ready=$(grep '^ready' "$tmp/idle.out" || true)
            [[ -n "$ready" ]] && break
            kill -0 "$idle_pid" 2>/dev/null || break
            sleep 0.2
        done
        if [[ "$ready" == "ready ok=$idle_connections failed=0" ]]; then
            wait_fds "$spid" ge $((base_fds + 2 * idle_connections)) 30 ||
                log "$side holds $(fd_count "$spid") descriptors, expected $((base_fds + 2 * idle_connections))"
            sleep 2
            put "$side" idle_fds "$(fd_count "$spid")"
            put "$side" kib_idle "$(awk -v a="$(rss_kib "$spid")" -v b="$before" -v n="$idle_connections" 'BEGIN {printf "%.1f", (a - b) / n}')"
        else
            log "idle connections to $side did not all open: ${ready:-no 'ready' within ${idle_ready_timeout}s}"; cat "$tmp/idle.err" >&2
            put "$side" idle_fds "$(fd_count "$spid")"; put "$side" kib_idle ERR
        fi
        stop_pid "$idle_pid"
        # Let the closes settle (both sockets of each connection) before the other side is measured.
        wait_fds "$spid" le $((base_fds + 50)) 60 || log "$side still holds $(fd_count "$spid") descriptors after the idle test"
        check_alive
    done
}

# --- The runs.
# Within a run the sides take turns at every load (measure_handshakes); which side goes first
# also alternates between runs, so that neither always has the first turn.
for run in $(seq 1 "$runs"); do
    log "run $run of $runs"
    if ((run % 2)); then sides=(tlsgw nginx); else sides=(nginx tlsgw); fi
    start_terminators
    check_negotiated
    check_mtls
    warm_up
    measure_handshakes
    measure_single_stream
    measure_h2load
    measure_latency
    measure_idle
    stop_terminators
done
sides=(tlsgw nginx)   # the report's order

# --- Report: the median of each figure over the runs; ratios from the medians.
values_of() {  # values_of SIDE METRIC: the figure of every run, one a line
    local r
    for r in $(seq 1 "$runs"); do echo "${result[$r,$1,$2]:-ERR}"; done
}
median() {  # reads figures one a line; prints their median, skipping ERR, plus " (K of N runs)" if some failed
    awk '/^-?[0-9.]+$/ {v[k++] = $1} {n++}
         END {
             if (k == 0) {print "ERR"; exit}
             for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (v[j] + 0 < v[i] + 0) {t = v[i]; v[i] = v[j]; v[j] = t}
             if (k % 2) m = v[int(k / 2)]
             else {a = v[k / 2 - 1]; b = v[k / 2]; d = index(a, ".") ? length(a) - index(a, ".") : 0; m = sprintf("%." d "f", (a + b) / 2)}
             printf "%s%s\n", m, (k < n ? " (" k " of " n " runs)" : "")
         }'
}
med() { values_of "$1" "$2" | median; }
across() { values_of "$1" "$2" | paste -sd/ -; }   # across SIDE METRIC: every run's figure, a/b/c
ratio() {  # ratio A B: A/B to 2 places, or n/a
    awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else print "n/a"}'
}
metrics=(hs_new hs_new_cost hs_new_rsa hs_new_rsa_cost hs_new_mtls hs_new_mtls_cost
    hs_reuse12 hs_reuse12_cost hs_new_get hs_new_get_cost hs_reuse_get hs_reuse_get_cost
    mbps mbps_cost h2_bulk h2_bulk_cost h2_small_rps h2_small_p50 h2_small_p99 h2_small_cost
    p50_new p99_new cost_new p50_keepalive p99_keepalive cost_keepalive kib_idle)
declare -A label=(
    [hs_new]="full handshakes/s, TLS 1.3, ECDSA P-256"
    [hs_new_cost]="  terminator CPU µs per full handshake, ECDSA P-256"
    [hs_new_rsa]="full handshakes/s, TLS 1.3, RSA-2048"
    [hs_new_rsa_cost]="  terminator CPU µs per full handshake, RSA-2048"
    [hs_new_mtls]="full mTLS handshakes/s, TLS 1.3, ECDSA P-256 server and client"
    [hs_new_mtls_cost]="  terminator CPU µs per full mTLS handshake"
    [hs_reuse12]="resumed handshakes/s, TLS 1.2 ticket"
    [hs_reuse12_cost]="  terminator CPU µs per resumed handshake, TLS 1.2"
    [hs_new_get]="full handshake + GET /small per s, TLS 1.3"
    [hs_new_get_cost]="  terminator CPU µs per full handshake + GET"
    [hs_reuse_get]="resumed handshake + GET /small per s, TLS 1.3 ticket"
    [hs_reuse_get_cost]="  terminator CPU µs per resumed handshake + GET"
    [mbps]="MB/s through the terminator, 256 MiB GET on one connection, TLS 1.3"
    [mbps_cost]="  terminator CPU s per GB"
    [h2_bulk]="MiB/s through the terminator, 1 MiB GETs, h2load --h1 -c $bulk_clients kept alive"
    [h2_bulk_cost]="  terminator CPU s per GiB"
    [h2_small_rps]="GET /small per s, h2load --h1 -c $small_clients kept alive"
    [h2_small_p50]="p50 ms, GET /small, h2load --h1 -c $small_clients kept alive"
    [h2_small_p99]="p99 ms, GET /small, h2load --h1 -c $small_clients kept alive"
    [h2_small_cost]="  terminator CPU µs per request, h2load -c $small_clients"
    [p50_new]="p50 ms, GET /small, new TLS 1.3 connection each"
    [p99_new]="p99 ms, GET /small, new TLS 1.3 connection each"
    [cost_new]="  terminator CPU µs per request on a new connection"
    [p50_keepalive]="p50 ms, GET /small, one kept-alive TLS connection"
    [p99_keepalive]="p99 ms, GET /small, one kept-alive TLS connection"
    [cost_keepalive]="  terminator CPU µs per request on the kept-alive connection"
    [kib_idle]="KiB RSS per idle TLS connection, $idle_connections idle"
)
better() { case $1 in hs_new | hs_new_rsa | hs_new_mtls | hs_reuse12 | hs_new_get | hs_reuse_get | mbps | h2_bulk | h2_small_rps) echo higher ;; *) echo lower ;; esac; }
cpu_loads=(hs_new hs_new_rsa hs_new_mtls hs_reuse12 hs_new_get hs_reuse_get mbps h2_bulk h2_small lat_new lat_keepalive)
cpu_cells() {  # cpu_cells SIDE LOAD: the CPU row, each number the median over runs; "bound by" of every run if they differ
    local r
    for r in $(seq 1 "$runs"); do echo "${cpu_row[$r,$1,$2]:-}"; done | awk -F' [|] ' '
        BEGIN {k = 0}
        NF >= 8 {for (i = 1; i <= 7; i++) v[i, k] = $i; if (!($8 in seen)) {seen[$8] = 1; bound = bound (bound == "" ? "" : " / ") $8}; k++}
        END {
            if (k == 0) {print "n/a | | | | | | | "; exit}
            for (i = 1; i <= 7; i++) {
                for (a = 0; a < k; a++) w[a] = v[i, a]
                for (a = 0; a < k; a++) for (b = a + 1; b < k; b++) if (w[b] + 0 < w[a] + 0) {t = w[a]; w[a] = w[b]; w[b] = t}
                printf "%s | ", (k % 2 ? w[int(k / 2)] : sprintf("%.0f", (w[k / 2 - 1] + w[k / 2]) / 2))
            }
            print bound
        }'
}
log_summary() {  # log_summary FILE...: lines, lines with fail/error/exception/warn, and the first 3 distinct such messages
    local all bad
    all=$(cat "$@" 2>/dev/null | wc -l)
    bad=$(cat "$@" 2>/dev/null | grep -iE 'fail|error|exception|warn' || true)
    printf '%s lines, %s with fail/error/exception/warn' "$all" "$(grep -c . <<<"$bad" || true)"
    if [[ -n "$bad" ]]; then   # without timestamps, so repeats collapse; "|" would break the table
        printf '; first: %s' "$(sed -E 's/^[0-9TZ:.-]+ //' <<<"$bad" | cut -c1-160 | awk '!seen[$0]++' | head -3 |
            awk '{gsub(/[|]/, "/"); printf "%s%s", (NR > 1 ? " ¦ " : ""), $0}')"
    fi
}
kib_as_mib() { awk -v k="${1%% *}" 'BEGIN {if (k ~ /^[0-9.]+$/) printf "%.0f", k / 1024; else print k}'; }

median_note=""; runs_note=""
if ((runs > 1)); then median_note=", median of the runs"; runs_note=" (a/b/c: one figure per run)"; fi
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
        "$(h2load --version 2>/dev/null | head -1); .NET $(dotnet --version 2>/dev/null); CPU $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo) × $(nproc)"
    echo
    if ((runs > 1)); then
        echo "Each figure is the median of $runs runs (terminators restarted for each); ratios are of the medians."
    else
        echo "One run (BENCH_RUNS=3 gives medians of three)."
    fi
    echo "Within a run each load ran in $load_seconds turns per side (3 for the 256 MiB transfer), the sides alternating turn by turn; the idle test ran once per side."
    echo "Terminators on CPU $server_cpu; load generators and the shared plaintext upstream on CPU $client_cpu." \
        "Negotiated with the browser suite order of s_time, curl, h2load and s_client: tlsgw ${negotiated[tlsgw,ecdsa]} (RSA listener: ${negotiated[tlsgw,rsa]});" \
        "nginx ${negotiated[nginx,ecdsa]} (RSA listener: ${negotiated[nginx,rsa]})." \
        "The Python latency client offers OpenSSL's order (AES-256 first) and got: tlsgw ${python_cipher[tlsgw]}; nginx ${python_cipher[nginx]}." \
        "tlsgw accepts at most 10,000 connections per listener, so the idle test holds $idle_connections on each side, not 10,000."
    echo
    echo "| metric | tlsgw | nginx | ratio (tlsgw/nginx) |"
    echo "| --- | ---: | ---: | ---: |"
    for m in "${metrics[@]}"; do
        a=$(med tlsgw "$m"); b=$(med nginx "$m")
        echo "| ${label[$m]} ($(better "$m") is better) | $a | $b | $(ratio "$a" "$b") |"
    done
    echo
    echo "CPU during each load, % of wall time$median_note: on CPU $server_cpu the terminator running, its threads runnable but waiting for" \
        "the CPU (summed over threads), and everything else (the idle terminators, other jobs); on CPU $client_cpu the load generators," \
        "the upstream, other jobs (busy minus ours) and the total busy. Bound by: the terminator running >= 85% (server), or CPU $server_cpu" \
        ">= 85% busy while the terminator waited >= 10% (server core shared with other jobs), else CPU $client_cpu >= 85% busy" \
        "(client core). Where the client core or other jobs did, the rate ratio says little and the terminator" \
        "CPU-per-operation rows are the comparison."
    echo
    echo "| load | side | terminator | terminator waiting | CPU $server_cpu other | load gen | upstream | CPU $client_cpu other | CPU $client_cpu busy | bound by |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    for k in "${cpu_loads[@]}"; do
        for side in "${sides[@]}"; do echo "| $k | $side | $(cpu_cells "$side" "$k") |"; done
    done
    echo
    echo "Checks$runs_note:"
    echo "- share of s_time connections resumed, tlsgw / nginx: TLS 1.3 -new ECDSA $(across tlsgw reused_hs_new) / $(across nginx reused_hs_new)," \
        "RSA $(across tlsgw reused_hs_new_rsa) / $(across nginx reused_hs_new_rsa), mTLS $(across tlsgw reused_hs_new_mtls) / $(across nginx reused_hs_new_mtls)," \
        "TLS 1.2 -reuse $(across tlsgw reused_hs_reuse12) / $(across nginx reused_hs_reuse12)," \
        "TLS 1.3 -reuse -www $(across tlsgw reused_hs_reuse_get) / $(across nginx reused_hs_reuse_get); $stime_clients concurrent s_time clients × ${load_seconds} two-second slices per side, the sides alternating."
    echo "- mTLS enforced (GET with the client certificate succeeds, without it fails): tlsgw $(across tlsgw mtls_check), nginx $(across nginx mtls_check)."
    echo "- upstream alone (plain HTTP, client core): $(med upstream mbps) MB/s for /big; p50/p99 $(med upstream p50_new)/$(med upstream p99_new) ms for /small on new connections."
    echo "- RSS before the idle test: tlsgw $(kib_as_mib "$(med tlsgw rss_before)") MiB, nginx worker $(kib_as_mib "$(med nginx rss_before)") MiB" \
        "(nginx allocates and touches its connection and event arrays for worker_connections = $nofile at start, so they are in its RSS before, not in the per-connection figure)." \
        "Descriptors held at the RSS reading: tlsgw $(across tlsgw idle_fds), nginx $(across nginx idle_fds) (2 per connection expected)."
    echo "- tlsgw logs (ECDSA): $(log_summary "$tmp"/tlsgw-ecdsa.run*.log)."
    echo "- tlsgw logs (RSA): $(log_summary "$tmp"/tlsgw-rsa.run*.log)."
    echo "- tlsgw logs (mTLS): $(log_summary "$tmp"/tlsgw-mtls.run*.log)."
    echo "- nginx error log (the refused GET of the mTLS check leaves one [crit] SSL_shutdown() line per run): $(log_summary "$ng/error.log"); latency client error lines: $(cat "$tmp/latency.err" 2>/dev/null | wc -l);" \
        "h2load stderr lines other than its HTTP/1.1 fallback notice: $(grep -cvE 'No protocol negotiated|Falling back to HTTP/1.1' "$tmp/h2load.err" 2>/dev/null || true)."
    echo "- run time: $(($(date +%s) - started_at)) s, build included."
} >"$report"

cat "$report"
cp "$report" "$repo/bench/last-run.md"
log "done in $(($(date +%s) - started_at))s; the tables are also in bench/last-run.md"

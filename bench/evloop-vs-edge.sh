#!/usr/bin/env bash
# evloop-vs-edge.sh — the edge beside a bare event loop with the same engine: what the edge's
# own work (limits, deadlines, metrics, policy) costs per connection. Three TLS terminators in
# front of one plaintext upstream, on the same core, certificate and OpenSSL: `tlsgw edge`, the
# bench/evloop prototype (the edge's OpenSSL engine, TlsServerContext and TlsConnection, and its
# loops' system calls, NativeLoop, under a loop of its own with none of the edge's features) and
# nginx stream. Prints the terminator CPU per operation of each, and the ratios to
# nginx, as medians of BENCH_ROUNDS rounds; within a round the three take turns, in an order
# that runs through all six orders, so a neighbour's burst on a shared machine falls on all alike.
#
# Loads (clients on CPU 1, terminators on CPU 0, as in edge-vs-nginx.sh):
#   full TLS 1.3 handshake + GET /small, new connection each (two openssl s_time -new -www);
#   GET /small on one kept-alive connection (bench/tls_latency.py);
#   GET /small on 32 kept-alive connections (h2load --h1 -c 32).
# Env: BENCH_ROUNDS (default 6: every order of the three once), BENCH_SLICE (seconds of s_time per turn, default 3),
#      BENCH_BUILD (head | worktree | none, as bench/build-tlsgw.sh), BENCH_KEEP=1 keeps the temp dir.
# Prints the table and writes it to bench/last-evloop-run.md; progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 LC_ALL=C
keepalive_requests=10000
h2_requests=40000
source "$repo/bench/lib/three-way.sh"
start_bench evloop

tlsgw_dll="$(bash "$repo/bench/build-tlsgw.sh" "$tmp")"
evloop_tree="$repo"
[[ -f "$tmp/tree/bench/evloop/EvLoop.csproj" ]] && evloop_tree="$tmp/tree"
log "building bench/evloop"
dotnet build "$evloop_tree/bench/evloop/EvLoop.csproj" -c Release -o "$tmp/evloop" -nologo -v quiet >"$tmp/evloop-build.log" 2>&1 ||
    { cat "$tmp/evloop-build.log" >&2; log "evloop build failed"; exit 1; }

# One ECDSA P-256 CA and a leaf for localhost, served by all three.
make_pki "evloop bench CA"
read -r upstream_port nginx_port tlsgw_port evloop_port <<<"$(free_ports 4)"

mkdir -p "$tmp/up/www" "$tmp/ng"
printf 'ok\n' >"$tmp/up/www/small"
common="user root; worker_processes 1; daemon off; worker_rlimit_nofile 20000; events { worker_connections 20000; }"
cat >"$tmp/up/nginx.conf" <<EOF
$common pid $tmp/up/nginx.pid; error_log $tmp/up/error.log warn;
http { access_log off; keepalive_requests 1000000; client_body_temp_path $tmp/up/b; proxy_temp_path $tmp/up/p;
    fastcgi_temp_path $tmp/up/f; uwsgi_temp_path $tmp/up/u; scgi_temp_path $tmp/up/s;
    server { listen 127.0.0.1:$upstream_port; root $tmp/up/www; } }
EOF
cat >"$tmp/ng/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
$common pid $tmp/ng/nginx.pid; error_log $tmp/ng/error.log warn;
stream { ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets on;
    server { listen 127.0.0.1:$nginx_port ssl; proxy_pass 127.0.0.1:$upstream_port;
        ssl_certificate $tmp/leaf.pem; ssl_certificate_key $tmp/leaf.key; } }
EOF

taskset -c 1 nginx -p "$tmp/up" -e "$tmp/up/error.log" -c "$tmp/up/nginx.conf" >/dev/null 2>&1 &
pids+=($!); wait_listening "$upstream_port" "$!" "upstream nginx" "$tmp/up/error.log"
taskset -c 0 nginx -p "$tmp/ng" -e "$tmp/ng/error.log" -c "$tmp/ng/nginx.conf" >/dev/null 2>&1 &
nginx_master=$!; pids+=("$nginx_master")
taskset -c 0 dotnet "$tlsgw_dll" edge --listen "127.0.0.1:$tlsgw_port" --cert "$tmp/leaf.pem" --key "$tmp/leaf.key" \
    --upstream "127.0.0.1:$upstream_port" >"$tmp/tlsgw.log" 2>&1 &
tlsgw_pid=$!; pids+=("$tlsgw_pid")
taskset -c 0 dotnet "$tmp/evloop/evloop.dll" --listen "$evloop_port" --cert "$tmp/leaf.pem" --key "$tmp/leaf.key" \
    --upstream "$upstream_port" >"$tmp/evloop.log" 2>&1 &
evloop_pid=$!; pids+=("$evloop_pid")
wait_listening "$nginx_port" "$nginx_master" "nginx (TLS)" "$tmp/ng/error.log"
wait_listening "$tlsgw_port" "$tlsgw_pid" "tlsgw edge" "$tmp/tlsgw.log"
wait_listening "$evloop_port" "$evloop_pid" "evloop" "$tmp/evloop.log"
nginx_worker=$(pgrep -P "$nginx_master" | head -1)

sides=(tlsgw evloop nginx)
declare -A pid=([tlsgw]=$tlsgw_pid [evloop]=$evloop_pid [nginx]=$nginx_worker)
declare -A port=([tlsgw]=$tlsgw_port [evloop]=$evloop_port [nginx]=$nginx_port)
logf[nginx]="$tmp/ng/error.log"

log "warming up (10 s of each load per side)"
for side in "${sides[@]}"; do
    stime_get "${port[$side]}" 10 >/dev/null
    keepalive "${port[$side]}" 3000 >/dev/null
    h2small "${port[$side]}" 20000 >/dev/null
done

names=("full TLS 1.3 handshake + GET /small, new connection (µs per connection)"
       "GET /small on one kept-alive connection (µs per request)"
       "GET /small, h2load --h1 -c 32 kept alive (µs per request)")
run_rounds "$rounds" "stime_get $slice" "keepalive $keepalive_requests" "h2small $h2_requests"

report="$repo/bench/last-evloop-run.md"
{
    echo "# tlsgw edge, bench/evloop and nginx stream — $(date -u '+%Y-%m-%d %H:%M:%SZ')"
    echo
    echo "commit $(git -C "$repo" rev-parse --short HEAD); $(openssl version); $(nginx -v 2>&1 | sed 's/^nginx version: //'); .NET $(dotnet --version)"
    echo
    echo "Terminator CPU per operation, median of $rounds rounds (each round: every side in turn, the order rotating); clients on CPU 1, terminators on CPU 0."
    echo
    report_rows "${names[@]}"
} >"$report"
cat "$report"
log "done; the table is also in bench/last-evloop-run.md"

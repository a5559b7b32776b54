#!/usr/bin/env bash
# upstream-tls.sh — TLS origination: the edge terminating the client's TLS and speaking TLS again
# to a TLS upstream (`upstream.tls`), beside nginx stream doing the same (`proxy_ssl on`). Three
# terminators on the same core, certificate and OpenSSL, in front of one TLS upstream (nginx
# http, on the other core): `tlsgw serve` on its event loops, `tlsgw serve` with
# `event_loops: false` (the task-based path, which host-named upstreams still take), and nginx.
# Like for like: every connection makes a full handshake to the upstream too, TLS 1.3 with the
# upstream's certificate verified against the CA and the name checked. nginx's default
# (proxy_ssl_session_reuse on) would resume its upstream sessions; tlsgw keeps no client-side
# session cache yet, so nginx's reuse is turned off here and the difference is written down in
# RESULTS.md instead.
#
# Loads (clients on CPU 1 with the upstream, terminators on CPU 0, as in edge-vs-nginx.sh):
#   full TLS 1.3 handshake + GET /small, new connection each (two openssl s_time -new -www);
#   GET /small on 32 kept-alive connections (h2load --h1 -c 32).
# Env: BENCH_ROUNDS (default 6: every order of the three once), BENCH_SLICE (seconds of s_time per turn, default 3),
#      BENCH_BUILD (head | worktree | none, as bench/build-tlsgw.sh), BENCH_KEEP=1 keeps the temp dir.
# Prints the table and writes it to bench/last-upstream-tls-run.md; progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 LC_ALL=C
h2_requests=40000
source "$repo/bench/lib/three-way.sh"
start_bench upstream-tls

tlsgw_dll="$(bash "$repo/bench/build-tlsgw.sh" "$tmp")"

# One ECDSA P-256 CA and a leaf for localhost, served by the terminators and the upstream alike.
make_pki "upstream-tls bench CA"
read -r upstream_port nginx_port loops_port tasks_port <<<"$(free_ports 4)"

mkdir -p "$tmp/up/www" "$tmp/ng"
printf 'ok\n' >"$tmp/up/www/small"
common="user root; worker_processes 1; daemon off; worker_rlimit_nofile 20000; events { worker_connections 20000; }"
# No session cache and no tickets: every connection to the upstream is a full handshake.
cat >"$tmp/up/nginx.conf" <<EOF
$common pid $tmp/up/nginx.pid; error_log $tmp/up/error.log warn;
http { access_log off; keepalive_requests 1000000; client_body_temp_path $tmp/up/b; proxy_temp_path $tmp/up/p;
    fastcgi_temp_path $tmp/up/f; uwsgi_temp_path $tmp/up/u; scgi_temp_path $tmp/up/s;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache off; ssl_session_tickets off;
    server { listen 127.0.0.1:$upstream_port ssl; root $tmp/up/www; ssl_certificate $tmp/leaf.pem; ssl_certificate_key $tmp/leaf.key; } }
EOF
cat >"$tmp/ng/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
$common pid $tmp/ng/nginx.pid; error_log $tmp/ng/error.log warn;
stream { ssl_protocols TLSv1.2 TLSv1.3; ssl_session_tickets on;
    server { listen 127.0.0.1:$nginx_port ssl; ssl_certificate $tmp/leaf.pem; ssl_certificate_key $tmp/leaf.key;
        proxy_pass 127.0.0.1:$upstream_port; proxy_ssl on; proxy_ssl_protocols TLSv1.2 TLSv1.3;
        proxy_ssl_verify on; proxy_ssl_trusted_certificate $tmp/ca.pem; proxy_ssl_name localhost; proxy_ssl_server_name on;
        proxy_ssl_session_reuse off; } }
EOF
for side in loops tasks; do
    [[ "$side" == loops ]] && { listen=$loops_port; event_loops=true; } || { listen=$tasks_port; event_loops=false; }
    cat >"$tmp/$side.yaml" <<EOF
edge:
  listeners:
    - name: bench
      address: 127.0.0.1:$listen
      event_loops: $event_loops
      filter_chains:
        - name: main
          certificates: [{ cert: $tmp/leaf.pem, key: $tmp/leaf.key }]
          upstream: { endpoints: ["127.0.0.1:$upstream_port"], tls: { trust_bundle: $tmp/ca.pem, server_name: localhost } }
EOF
done

taskset -c 1 nginx -p "$tmp/up" -e "$tmp/up/error.log" -c "$tmp/up/nginx.conf" >/dev/null 2>&1 &
pids+=($!); wait_listening "$upstream_port" "$!" "upstream nginx" "$tmp/up/error.log"
taskset -c 0 nginx -p "$tmp/ng" -e "$tmp/ng/error.log" -c "$tmp/ng/nginx.conf" >/dev/null 2>&1 &
nginx_master=$!; pids+=("$nginx_master")
declare -A pid port
for side in loops tasks; do
    taskset -c 0 dotnet "$tlsgw_dll" serve -c "$tmp/$side.yaml" >"$tmp/tlsgw-$side.log" 2>&1 &
    pid[tlsgw-$side]=$!; pids+=("$!")
done
port[tlsgw-loops]=$loops_port
port[tlsgw-tasks]=$tasks_port
port[nginx]=$nginx_port
wait_listening "$nginx_port" "$nginx_master" "nginx (TLS)" "$tmp/ng/error.log"
for side in loops tasks; do
    wait_listening "${port[tlsgw-$side]}" "${pid[tlsgw-$side]}" "tlsgw ($side)" "$tmp/tlsgw-$side.log"
done
grep -q "runs its connections on the event loops" "$tmp/tlsgw-loops.log" || { log "tlsgw (loops) is not on the event loops:"; cat "$tmp/tlsgw-loops.log" >&2; exit 1; }
grep -q "task-based path: event_loops is off" "$tmp/tlsgw-tasks.log" || { log "tlsgw (tasks) is not on the task-based path:"; cat "$tmp/tlsgw-tasks.log" >&2; exit 1; }
pid[nginx]=$(pgrep -P "$nginx_master" | head -1)
logf[nginx]="$tmp/ng/error.log"
sides=(tlsgw-loops tlsgw-tasks nginx)

log "warming up (10 s of each load per side)"
for side in "${sides[@]}"; do
    stime_get "${port[$side]}" 10 >/dev/null
    h2small "${port[$side]}" 20000 >/dev/null
done

names=("full TLS 1.3 handshake + GET /small, new connection, full handshake to the upstream (µs per connection)"
       "GET /small, h2load --h1 -c 32 kept alive (µs per request)")
run_rounds "$rounds" "stime_get $slice" "h2small $h2_requests"

report="$repo/bench/last-upstream-tls-run.md"
{
    echo "# TLS to a TLS upstream: tlsgw on its event loops, tlsgw on the task-based path, nginx stream (proxy_ssl) — $(date -u '+%Y-%m-%d %H:%M:%SZ')"
    echo
    echo "commit $(git -C "$repo" rev-parse --short HEAD); $(openssl version); $(nginx -v 2>&1 | sed 's/^nginx version: //'); .NET $(dotnet --version)"
    echo
    echo "Terminator CPU per operation, median of $rounds rounds (each round: every side in turn, the order rotating); clients and the TLS upstream on CPU 1, terminators on CPU 0."
    echo
    report_rows "${names[@]}"
} >"$report"
cat "$report"
log "done; the table is also in bench/last-upstream-tls-run.md"

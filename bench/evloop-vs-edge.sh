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
rounds="${BENCH_ROUNDS:-6}"
slice="${BENCH_SLICE:-3}"
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$slice" =~ ^[1-9][0-9]?$ ]] ||
    { echo "bench: BENCH_ROUNDS must be a positive integer and BENCH_SLICE one from 1 to 99" >&2; exit 2; }
keepalive_requests=10000
h2_requests=40000
suites="TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
started_at=$(date +%s)
log() { echo "bench: [$(($(date +%s) - started_at))s] $*" >&2; }

missing=()
for package in nginx libnginx-mod-stream openssl nghttp2-client; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null
fi
python="$(python3 -c 'import sys; print(sys.executable)')"

tmp="$(mktemp -d /tmp/tlsgw-evloop-bench.XXXXXX)"
pids=()
source "$repo/bench/lib/processes.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

tlsgw_dll="$(bash "$repo/bench/build-tlsgw.sh" "$tmp")"
evloop_tree="$repo"
[[ -f "$tmp/tree/bench/evloop/EvLoop.csproj" ]] && evloop_tree="$tmp/tree"
log "building bench/evloop"
dotnet build "$evloop_tree/bench/evloop/EvLoop.csproj" -c Release -o "$tmp/evloop" -nologo -v quiet >"$tmp/evloop-build.log" 2>&1 ||
    { cat "$tmp/evloop-build.log" >&2; log "evloop build failed"; exit 1; }

# One ECDSA P-256 CA and a leaf for localhost, served by all three.
(
    cd "$tmp"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
        -subj "/CN=evloop bench CA" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >leaf.ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem 2>/dev/null
    chmod 600 ./*.key
)
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

stime_get() {  # stime_get PORT SECONDS: two s_time clients; prints the connections made
    local i clients=()
    for i in 1 2; do
        taskset -c 1 openssl s_time -connect "127.0.0.1:$1" -new -www /small -time "$2" -ciphersuites "$suites" >"$tmp/st$i.out" 2>&1 &
        clients+=($!)
    done
    wait "${clients[@]}" # not a bare wait: the terminators are background jobs too
    # Every side must deliver the same reply: a terminator that cut replies short would look cheap.
    awk '/bytes read per connection/ {print $(NF - 4)}' "$tmp/st1.out" "$tmp/st2.out" >>"$tmp/bytes.$1"
    cat "$tmp/st1.out" "$tmp/st2.out" | awk '/connections in .* real seconds/ {n += $1} END {print n + 0}'
}
keepalive() {  # the requests answered; a client error (a reconnect) fails the run
    taskset -c 1 "$python" bench/tls_latency.py --port "$1" --cafile "$tmp/ca.pem" --mode keepalive -n "$2" --warmup 0 >"$tmp/ka.out" 2>&1 || true
    grep -q ' errors=0 ' "$tmp/ka.out" || { log "keep-alive load on :$1 failed: $(cat "$tmp/ka.out")"; echo 0; return; }
    echo "$2"
}
h2small() {  # the requests that succeeded
    taskset -c 1 timeout 120 h2load --h1 --tls13-ciphers "$suites" -t 1 -c 32 -n "$2" "https://127.0.0.1:$1/small" >"$tmp/h2.out" 2>&1 || true
    awk '/^requests:/ {print $(NF - 7) + 0; found = 1} END {if (!found) print 0}' "$tmp/h2.out"
}
per_op() {  # per_op SIDE LOAD ARG: µs of the side's CPU per operation of LOAD
    local before after ops
    before=$(proc_ticks "${pid[$1]}")
    ops=$("$2" "${port[$1]}" "$3")
    after=$(proc_ticks "${pid[$1]}")
    awk -v t=$((after - before)) -v n="$ops" -v hz="$hz" 'BEGIN {printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0)}'
}

log "warming up (10 s of each load per side)"
for side in "${sides[@]}"; do
    stime_get "${port[$side]}" 10 >/dev/null
    keepalive "${port[$side]}" 3000 >/dev/null
    h2small "${port[$side]}" 20000 >/dev/null
done

loads=("stime_get $slice" "keepalive $keepalive_requests" "h2small $h2_requests")
names=("full TLS 1.3 handshake + GET /small, new connection (µs per connection)"
       "GET /small on one kept-alive connection (µs per request)"
       "GET /small, h2load --h1 -c 32 kept alive (µs per request)")
: >"$tmp/figures"
for round in $(seq 1 "$rounds"); do
    log "round $round of $rounds"
    permutations=("tlsgw evloop nginx" "evloop nginx tlsgw" "nginx tlsgw evloop" "tlsgw nginx evloop" "nginx evloop tlsgw" "evloop tlsgw nginx")
    read -r -a order <<<"${permutations[$(((round - 1) % 6))]}"
    for l in "${!loads[@]}"; do
        for side in "${order[@]}"; do
            # shellcheck disable=SC2086 # a load and its argument
            figure=$(per_op "$side" ${loads[$l]})
            # Checked here, not in per_op's subshell, where exiting would only end the subshell.
            alive_or_die "${pid[$side]}" "$side" "$tmp/$side.log"
            awk -v f="$figure" 'BEGIN {exit !(f > 0)}' || { log "no operations completed on $side (load $((l + 1))), round $round"; exit 1; }
            echo "$l $side $figure" >>"$tmp/figures"
        done
    done
done

report="$repo/bench/last-evloop-run.md"
{
    echo "# tlsgw edge, bench/evloop and nginx stream — $(date -u '+%Y-%m-%d %H:%M:%SZ')"
    echo
    echo "commit $(git -C "$repo" rev-parse --short HEAD); $(openssl version); $(nginx -v 2>&1 | sed 's/^nginx version: //'); .NET $(dotnet --version)"
    echo
    echo "Terminator CPU per operation, median of $rounds rounds (each round: every side in turn, the order rotating); clients on CPU 1, terminators on CPU 0."
    echo
    echo "| load | tlsgw edge | evloop | nginx | tlsgw/nginx | evloop/nginx |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for l in "${!names[@]}"; do
        awk -v l="$l" -v name="${names[$l]}" '
            function median(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
                                              return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
            $1 == l { v[$2, ++n[$2]] = $3 }
            END { for (s in n) { split("", x); for (i = 1; i <= n[s]; i++) x[i] = v[s, i]; m[s] = median(x, n[s]) }
                  printf "| %s | %.1f | %.1f | %.1f | %.2f | %.2f |\n", name, m["tlsgw"], m["evloop"], m["nginx"], m["tlsgw"] / m["nginx"], m["evloop"] / m["nginx"] }' "$tmp/figures"
    done
    echo
    for side in "${sides[@]}"; do
        echo "Bytes read per s_time connection, $side: $(sort -u "$tmp/bytes.${port[$side]}" | paste -sd, -)."
    done
    echo
    echo "Every round (load: tlsgw / evloop / nginx):"
    echo
    awk '{v[$1, $2] = v[$1, $2] (v[$1, $2] == "" ? "" : ", ") $3} END {for (l = 0; l < 3; l++) printf "- load %d: tlsgw %s; evloop %s; nginx %s\n", l + 1, v[l, "tlsgw"], v[l, "evloop"], v[l, "nginx"]}' "$tmp/figures"
} >"$report"
cat "$report"
log "done; the table is also in bench/last-evloop-run.md"

# bench/lib/three-way.sh — sourced by the benchmark scripts that put three TLS terminators side by
# side on one core: their common start (settings, temp dir, packages, a PKI), the loads, CPU per
# operation of each, rounds in rotating order, and the table.
# The caller sets `repo` and sources this first; it reads BENCH_ROUNDS and BENCH_SLICE into
# `rounds` and `slice` (a bad one exits before anything is made), sets `suites` (the clients'
# TLS 1.3 suites), `log` and `python`, and `start_bench` makes `tmp`. Before the rounds the caller
# defines `sides` (three names) and the associative arrays `pid` and `port` keyed by side;
# `logf[SIDE]` names a side's log where it is not $tmp/SIDE.log.

rounds="${BENCH_ROUNDS:-6}"
slice="${BENCH_SLICE:-3}"
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$slice" =~ ^[1-9][0-9]?$ ]] ||
    { echo "bench: BENCH_ROUNDS must be a positive integer and BENCH_SLICE one from 1 to 99" >&2; exit 2; }
suites="TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
declare -A logf=()
started_at=$(date +%s)
log() { echo "bench: [$(($(date +%s) - started_at))s] $*" >&2; }
python="$(python3 -c 'import sys; print(sys.executable)')"

start_bench() {  # start_bench NAME: $tmp (removed on exit with every process in `pids`), and the packages
    tmp="$(mktemp -d "/tmp/tlsgw-$1-bench.XXXXXX")"
    pids=()
    source "$repo/bench/lib/processes.sh"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    need_packages
}

need_packages() {  # need_packages: nginx with its stream module, openssl and h2load, installed if missing
    local package missing=()
    for package in nginx libnginx-mod-stream openssl nghttp2-client; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]} > 0)); then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=300 update -qq
        apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null
    fi
}

make_pki() {  # make_pki CA_NAME: an ECDSA P-256 CA (ca.pem) and a leaf for localhost (leaf.pem, leaf.key) in $tmp
    (
        cd "$tmp"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 \
            -subj "/CN=$1" -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=localhost" 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >leaf.ext
        openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem 2>/dev/null
        chmod 600 ./*.key
    )
}

stime_get() {  # stime_get PORT SECONDS: two s_time clients, new connection each; prints the connections made
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

keepalive() {  # keepalive PORT N: N requests on one kept-alive connection; a client error (a reconnect) fails the run
    taskset -c 1 "$python" bench/tls_latency.py --port "$1" --cafile "$tmp/ca.pem" --mode keepalive -n "$2" --warmup 0 >"$tmp/ka.out" 2>&1 || true
    grep -q ' errors=0 ' "$tmp/ka.out" || { log "keep-alive load on :$1 failed: $(cat "$tmp/ka.out")"; echo 0; return; }
    echo "$2"
}

h2small() {  # h2small PORT N: N requests over 32 kept-alive connections; prints those that succeeded
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

run_rounds() {  # run_rounds ROUNDS LOAD...: each round runs every load on every side, the sides' order running through all six; appends "load side µs" to $tmp/figures
    local rounds=$1 round l i side figure order
    shift
    local loads=("$@")
    local permutations=("0 1 2" "1 2 0" "2 0 1" "0 2 1" "2 1 0" "1 0 2")
    : >"$tmp/figures"
    for round in $(seq 1 "$rounds"); do
        log "round $round of $rounds"
        read -r -a order <<<"${permutations[$(((round - 1) % 6))]}"
        for l in "${!loads[@]}"; do
            for i in "${order[@]}"; do
                side=${sides[$i]}
                # shellcheck disable=SC2086 # a load and its argument
                figure=$(per_op "$side" ${loads[$l]})
                # Checked here, not in per_op's subshell, where exiting would only end the subshell.
                alive_or_die "${pid[$side]}" "$side" "${logf[$side]:-$tmp/$side.log}"
                awk -v f="$figure" 'BEGIN {exit !(f > 0)}' || { log "no operations completed on $side (load $((l + 1))), round $round"; exit 1; }
                echo "$l $side $figure" >>"$tmp/figures"
            done
        done
    done
}

report_rows() {  # report_rows NAME...: one markdown row per load: each side's median, and the first two sides over the third
    local l
    local names=("$@")
    echo "| load | ${sides[0]} | ${sides[1]} | ${sides[2]} | ${sides[0]}/${sides[2]} | ${sides[1]}/${sides[2]} |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for l in "${!names[@]}"; do
        awk -v l="$l" -v name="${names[$l]}" -v a="${sides[0]}" -v b="${sides[1]}" -v c="${sides[2]}" '
            function median(x, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
                                              return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
            $1 == l { v[$2, ++n[$2]] = $3 }
            END { for (s in n) { split("", x); for (i = 1; i <= n[s]; i++) x[i] = v[s, i]; m[s] = median(x, n[s]) }
                  printf "| %s | %.1f | %.1f | %.1f | %.2f | %.2f |\n", name, m[a], m[b], m[c], m[a] / m[c], m[b] / m[c] }' "$tmp/figures"
    done
    echo
    local side
    for side in "${sides[@]}"; do
        echo "Bytes read per s_time connection, $side: $(sort -u "$tmp/bytes.${port[$side]}" 2>/dev/null | paste -sd, -)."
    done
    echo
    echo "Every round (load: ${sides[0]} / ${sides[1]} / ${sides[2]}):"
    echo
    awk -v a="${sides[0]}" -v b="${sides[1]}" -v c="${sides[2]}" -v loads="${#names[@]}" '
        {v[$1, $2] = v[$1, $2] (v[$1, $2] == "" ? "" : ", ") $3}
        END {for (l = 0; l < loads; l++) printf "- load %d: %s %s; %s %s; %s %s\n", l + 1, a, v[l, a], b, v[l, b], c, v[l, c]}' "$tmp/figures"
}

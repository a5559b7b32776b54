#!/usr/bin/env bash
# sm-edge.sh — the ShangMi (RFC 8998) path through `tlsgw serve`, next to the bound OpenSSL's own
# SM primitives set on the same core in the same run (issue 6): full and resumed handshakes/s on
# TLS_SM4_GCM_SM3 with curveSM2 and sm2sig_sm3, and SM4-GCM bulk MB/s client → edge → upstream.
# Every figure is the median of BENCH_RUNS runs.
#
# The bounds, per CPU-second of one core (`openssl speed` divides by user CPU time):
#   handshakes: a full server handshake needs one SM2 signature (CertificateVerify) and one
#     curveSM2 ECDH (a fixed-base key generation plus a variable-base multiply, taken here as the
#     work of one SM2 verification, which is two multiplies), so
#         bound = 1 / (1/sign_rate + 1/verify_rate)   handshakes per CPU-second,
#     sign_rate and verify_rate from `openssl speed -seconds N sm2` on CPU 0. Everything else (the
#     SM3 transcript, HKDF, SM4-GCM of the flights, sockets, the upstream connection) counts
#     against the edge. Target: (edge full handshakes per tlsgw CPU-second) / bound >= 0.70.
#     OpenSSL 3.0 multiplies on the SM2 curve with its generic constant-time ladder, so a
#     single-scalar multiply costs about as much as a signature and more than half a verify:
#     the bound is generous. A stricter one, sign_rate / 3 (three ladder multiplies: the
#     signature's, the ECDH key generation's and the ECDH multiply), is printed for context.
#   bulk: the edge decrypts SM4-GCM (SM4-CTR plus GHASH) and writes the plaintext to the
#     upstream socket; the bound is SM4-CTR alone, `openssl speed -seconds N -bytes 16384 -evp
#     sm4-ctr` on CPU 0. Target: (MB per tlsgw CPU-second) / (SM4-CTR MB/s) >= 0.80.
# Resumed handshakes (psk_dhe_ke: ECDH, no signature) are reported without a target.
#
# Layout (the machine has 2 cores):
#   CPU 0: `tlsgw serve` (one listener; one filter chain with an SM2 and an ECDSA certificate,
#          `sm: prefer`, local session-ticket keys) and, while it idles, `openssl speed`.
#   CPU 1: bench/smload (`sm-load`): the managed TLS 1.3 client (the only RFC 8998 client at
#          hand: OpenSSL 3.0's libssl has no SM suites) and the plaintext upstream (`sm-load
#          sink`). The sink, not nginx, so that a bulk transfer ends when the upstream has every
#          byte ("bulk N" … "done N"), not when the client's socket buffers took them.
# The client core saturates first (each client handshake verifies the server's SM2 signature and
# does its own ECDH), so the fair figure is per tlsgw CPU-second (utime + stime of the tlsgw
# process, /proc/PID/stat), and a CPU table says which core limited each rate. The client
# pins the server's leaf as its trust anchor (BENCH_SM_ANCHOR=leaf, default) rather than the
# root, which spares it two chain verifications per handshake; the edge sends and signs the same
# either way.
#
# Env: BENCH_BUILD=head (default) | worktree | none, as bench/build-tlsgw.sh (sm-load is built
#      from the same tree when it has bench/smload, else from the working tree: it is the load,
#      not the subject); BENCH_RUNS (default 3); BENCH_SECONDS (default 5) per handshake load;
#      BENCH_SM_CONCURRENCY (default 8) connections in flight; BENCH_SM_BYTES (default 256 MiB)
#      per bulk connection; BENCH_SM_CONNECTIONS (default 1) bulk connections;
#      BENCH_SPEED_SECONDS (default 3) per `openssl speed`; BENCH_SM_ANCHOR=leaf|root;
#      BENCH_KEEP=1 keeps the temp dir (config, logs).
# Prints the tables on stdout and writes them to bench/last-sm-run.md; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 LC_ALL=C

runs="${BENCH_RUNS:-3}"
load_seconds="${BENCH_SECONDS:-5}"
concurrency="${BENCH_SM_CONCURRENCY:-8}"
bulk_bytes="${BENCH_SM_BYTES:-$((256 * 1024 * 1024))}"
bulk_connections="${BENCH_SM_CONNECTIONS:-1}"
speed_seconds="${BENCH_SPEED_SECONDS:-3}"
anchor="${BENCH_SM_ANCHOR:-leaf}"
for n in "$runs" "$load_seconds" "$concurrency" "$bulk_bytes" "$bulk_connections" "$speed_seconds"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_RUNS, BENCH_SECONDS, BENCH_SM_* and BENCH_SPEED_SECONDS must be positive integers" >&2; exit 2; }
done
[[ "$anchor" == leaf || "$anchor" == root ]] || { echo "bench: BENCH_SM_ANCHOR must be leaf or root" >&2; exit 2; }
load_timeout=120    # hard bound, in seconds, on any one load generator or openssl speed
server_cpu=0
client_cpu=1
target_hs=0.70
target_bulk=0.80
started_at=$(date +%s)

log() { echo "bench: [$(($(date +%s) - started_at))s] $*" >&2; }

for tool in openssl taskset python3 dotnet; do
    command -v "$tool" >/dev/null || { log "missing $tool"; exit 1; }
done
python="$(python3 -c 'import sys; print(sys.executable)')"   # skips a pyenv shim on every call

# --- Processes: every one started is recorded and stopped on exit, by PID. Background jobs are
# started with taskset directly, so $! is the process itself.
tmp="$(mktemp -d /tmp/tlsgw-sm-bench.XXXXXX)"
pids=()
# stop_pid, cleanup, free_ports, wait_listening, alive_or_die; proc_ticks, core_ticks, wait_ns, hz;
# cpu_mark, cpu_seconds, cpu_usage_row.
source "$repo/bench/lib/processes.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM

# with_cpu KEY CMD...: runs CMD (stdout to $tmp/out); records under KEY the tlsgw CPU seconds
# (cpu_s) and a row of % of one core over the run: tlsgw, tlsgw waiting, the rest of CPU 0, the
# load generator (its own figure), the sink, the rest of CPU 1, CPU 1 busy, and what bound it.
declare -A cpu_s cpu_row
with_cpu() {
    local key=$1; shift
    local before after g rc=0
    before=$(cpu_mark "$tlsgw_pid" "$sink_pid")
    "$@" >"$tmp/out" 2>>"$tmp/load.err" || rc=$?
    after=$(cpu_mark "$tlsgw_pid" "$sink_pid")
    g=$(awk -F= '$1 == "client_cpu_seconds" {print $2 * 1000}' "$tmp/out"); g=${g:-0}
    cpu_s[$key]=$(cpu_seconds "$before" "$after")
    cpu_row[$key]=$(cpu_usage_row "$before" "$after" "$g")
    return $rc
}

# --- Build: tlsgw (bench/build-tlsgw.sh), then sm-load. A file lock from a concurrent build
# elsewhere on the machine is waited out (20 s, three tries).
tlsgw_build="${BENCH_BUILD:-head}"
tlsgw_dll="$(bash "$repo/bench/build-tlsgw.sh" "$tmp")"
smload_tree="$repo"
[[ -f "$tmp/tree/bench/smload/SmLoad.csproj" ]] && smload_tree="$tmp/tree"
log "building sm-load from ${smload_tree/#$tmp/the snapshot in $tmp}"
for attempt in 1 2 3; do
    if (cd "$smload_tree" && dotnet build bench/smload/SmLoad.csproj -c Release -o "$tmp/smload" -nologo -v quiet) >"$tmp/smload-build.log" 2>&1; then
        break
    fi
    if ((attempt < 3)) && grep -qiE 'being used by another process|lock' "$tmp/smload-build.log"; then
        log "sm-load build hit a file lock; retrying in 20 s"; sleep 20; continue
    fi
    cat "$tmp/smload-build.log" >&2; log "sm-load build failed"; exit 1
done
smload="$tmp/smload/sm-load.dll"

# --- PKI (tests/peers/bc-tls/make-sm2-pki.sh): an SM2 root → intermediate → leaf for
# localhost, and an ECDSA P-256 leaf for everyone else on the same chain.
pki="$tmp/pki"
bash tests/peers/bc-tls/make-sm2-pki.sh "$pki" >/dev/null
client_anchor="$pki/sm2-root.pem"; [[ "$anchor" == leaf ]] && client_anchor="$pki/sm2-server.pem"

read -r edge_port sink_port <<<"$(free_ports 2)"
config="$tmp/tlsgw.yaml"
cat >"$config" <<EOF
edge:
  listeners:
    - name: sm
      address: 127.0.0.1:$edge_port
      session_tickets:
        rotate_every: 12h
      filter_chains:
        - name: gm
          sm: prefer
          certificates:
            - { cert: $pki/sm2-server-chain.pem, key: $pki/sm2-server.key }
            - { cert: $pki/ecdsa-server.pem, key: $pki/ecdsa-server.key }
          upstream:
            endpoints: [127.0.0.1:$sink_port]
EOF
dotnet "$tlsgw_dll" serve --check -c "$config" >"$tmp/check.log" 2>&1 || { cat "$tmp/check.log" >&2; log "tlsgw refused the config"; exit 1; }

# The sink lives for the whole script (bounded by its own lifetime); tlsgw restarts every run.
taskset -c "$client_cpu" dotnet "$smload" sink --port "$sink_port" --seconds 7200 --timeout "$load_timeout" >"$tmp/sink.log" 2>&1 &
sink_pid=$!; pids+=("$sink_pid")
wait_listening "$sink_port" "$sink_pid" "sink" "$tmp/sink.log"

start_tlsgw() {
    tlsgw_log="$tmp/tlsgw.run$run.log"
    taskset -c "$server_cpu" dotnet "$tlsgw_dll" serve -c "$config" >"$tlsgw_log" 2>&1 &
    tlsgw_pid=$!; pids+=("$tlsgw_pid")
    wait_listening "$edge_port" "$tlsgw_pid" "tlsgw serve" "$tlsgw_log"
}
check_alive() { alive_or_die "$tlsgw_pid" "tlsgw" "$tlsgw_log"; alive_or_die "$sink_pid" "sink" "$tmp/sink.log"; }

load() {  # load MODE ARGS...: sm-load against the edge on the client core, bounded in time
    taskset -c "$client_cpu" timeout "$load_timeout" dotnet "$smload" "$@" --port "$edge_port" --ca "$client_anchor" \
        --server-name localhost --timeout 60
}
field() { awk -F= -v k="$1" '$1 == k {print substr($0, length(k) + 2)}' "${2:-$tmp/out}"; }

# result[RUN,METRIC]: one figure of one run ("ERR" when its load failed).
declare -A result
put() { result[$run,$1]=$2; }

# What each kind of client gets: the ShangMi client must negotiate the RFC 8998 triple on the
# SM2 certificate; an ordinary TLS 1.3 client (openssl s_client) the ECDSA one through OpenSSL.
check_negotiated() {
    load handshakes --seconds 1 --concurrency 1 >"$tmp/check.out" 2>>"$tmp/load.err" || true
    put sm_negotiated "$(field negotiated "$tmp/check.out")"
    put ecdsa_negotiated "$(timeout 10 openssl s_client -connect "127.0.0.1:$edge_port" -servername localhost -tls1_3 -brief </dev/null 2>&1 |
        awk -F': ' '/^Ciphersuite/ {c = $2} /^(Server|Peer) Temp Key/ {g = $2} /^(Peer s|S)ignature type/ {s = $2} END {print c ", " g ", " s}')"
}

# Warm-up, not measured: .NET tiers up the hot paths of both sides.
warm_up() {
    log "warming up"
    load handshakes --seconds 2 --concurrency "$concurrency" >/dev/null 2>&1 || true
    load handshakes --seconds 2 --concurrency "$concurrency" --resume >/dev/null 2>&1 || true
    load bulk --bytes $((32 * 1024 * 1024)) --connections "$bulk_connections" >/dev/null 2>&1 || true
}

measure_handshakes() {  # measure_handshakes KEY [--resume]
    local key=$1 completed failed resumed
    shift
    log "handshakes ($key): $concurrency in flight for ${load_seconds}s"
    with_cpu "$run,$key" load handshakes --seconds "$load_seconds" --concurrency "$concurrency" "$@" || true
    completed=$(field completed); failed=$(field failed); resumed=$(field resumed)
    if [[ -n "$completed" && "$failed" == 0 && "$completed" -gt 0 ]]; then
        put "$key" "$(field rate)"
        put "${key}_per_cpu" "$(awk -v n="$completed" -v s="${cpu_s[$run,$key]}" 'BEGIN {print (s > 0 ? sprintf("%.0f", n / s) : "ERR")}')"
        put "${key}_cost" "$(awk -v n="$completed" -v s="${cpu_s[$run,$key]}" 'BEGIN {printf "%.0f", s * 1e6 / n}')"
        put "${key}_resumed" "$(awk -v r="$resumed" -v n="$completed" 'BEGIN {printf "%.2f", r / n}')"
    else
        log "handshakes ($key): completed=${completed:-none} failed=${failed:-?}: $(field first_error)"
        put "$key" ERR; put "${key}_per_cpu" ERR; put "${key}_cost" ERR; put "${key}_resumed" ERR
    fi
    check_alive
}

measure_bulk() {
    local bytes
    log "bulk: $bulk_connections connection(s) × $bulk_bytes bytes"
    with_cpu "$run,bulk" load bulk --bytes "$bulk_bytes" --connections "$bulk_connections" || true
    bytes=$(field bytes)
    if [[ "$(field failed)" == 0 && "$bytes" == $((bulk_bytes * bulk_connections)) ]]; then
        put bulk "$(field mbps)"
        put bulk_per_cpu "$(awk -v b="$bytes" -v s="${cpu_s[$run,bulk]}" 'BEGIN {print (s > 0 ? sprintf("%.1f", b / 1e6 / s) : "ERR")}')"
    else
        log "bulk failed: $(field first_error)"
        put bulk ERR; put bulk_per_cpu ERR
    fi
    check_alive
}

# OpenSSL's own primitives on the server core, while tlsgw idles (its CPU is recorded around
# them, so a busy tlsgw would show).
measure_openssl() {
    local before
    log "openssl speed sm2 and sm4-ctr on CPU $server_cpu"
    before=$(proc_ticks "$tlsgw_pid")
    taskset -c "$server_cpu" timeout "$load_timeout" openssl speed -seconds "$speed_seconds" sm2 >"$tmp/speed-sm2" 2>&1 || true
    taskset -c "$server_cpu" timeout "$load_timeout" openssl speed -seconds "$speed_seconds" -bytes 16384 -evp sm4-ctr >"$tmp/speed-sm4" 2>&1 || true
    put tlsgw_idle_ticks $(($(proc_ticks "$tlsgw_pid") - before))
    read -r sign verify <<<"$(awk '/SM2 \(CurveSM2\)/ {print $(NF - 1), $NF}' "$tmp/speed-sm2")"
    put sm2_sign "${sign:-ERR}"; put sm2_verify "${verify:-ERR}"
    put hs_bound "$(awk -v s="${sign:-0}" -v v="${verify:-0}" 'BEGIN {print (s > 0 && v > 0 ? sprintf("%.0f", 1 / (1 / s + 1 / v)) : "ERR")}')"
    put hs_bound_ladder "$(awk -v s="${sign:-0}" 'BEGIN {print (s > 0 ? sprintf("%.0f", s / 3) : "ERR")}')"
    # "The 'numbers' are in 1000s of bytes per second processed": k-units to MB/s.
    put sm4_ctr "$(awk '/^SM4-CTR/ {v = $NF; sub(/k$/, "", v); printf "%.1f", v / 1000}' "$tmp/speed-sm4")"
    [[ -n "${result[$run,sm4_ctr]}" ]] || put sm4_ctr ERR
}

# --- The runs.
for run in $(seq 1 "$runs"); do
    log "run $run of $runs (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    put loadavg "$(cut -d' ' -f1 /proc/loadavg)"
    start_tlsgw
    check_negotiated
    warm_up
    measure_openssl
    measure_handshakes hs_full
    measure_handshakes hs_resumed --resume
    measure_bulk
    put rss_mib "$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$tlsgw_pid/status")"
    stop_pid "$tlsgw_pid"
done

# --- Report: medians over the runs; ratios of the medians.
values_of() { local r; for r in $(seq 1 "$runs"); do echo "${result[$r,$1]:-ERR}"; done; }
median() {  # figures one a line → their median (ERR skipped), plus " (K of N runs)" if some failed
    awk '/^-?[0-9.]+$/ {v[k++] = $1} {n++}
         END {
             if (k == 0) {print "ERR"; exit}
             for (i = 0; i < k; i++) for (j = i + 1; j < k; j++) if (v[j] + 0 < v[i] + 0) {t = v[i]; v[i] = v[j]; v[j] = t}
             if (k % 2) m = v[int(k / 2)]
             else {a = v[k / 2 - 1]; b = v[k / 2]; d = index(a, ".") ? length(a) - index(a, ".") : 0; m = sprintf("%." d "f", (a + b) / 2)}
             printf "%s%s\n", m, (k < n ? " (" k " of " n " runs)" : "")
         }'
}
med() { values_of "$1" | median; }
across() { values_of "$1" | paste -sd/ -; }
distinct() { values_of "$1" | awk '!seen[$0]++' | paste -sd/ -; }   # distinct METRIC: the runs' values, each once
ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN {if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else print "n/a"}'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN {if (r !~ /^[0-9.]+$/) print "n/a"; else print (r + 0 >= t + 0 ? "met" : "missed")}'; }
cpu_cells() {  # cpu_cells LOAD: the CPU row, each number the median over runs
    local r
    for r in $(seq 1 "$runs"); do echo "${cpu_row[$r,$1]:-}"; done | awk -F' [|] ' '
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
log_summary() {  # log_summary FILE...: lines, and lines with fail/error/exception/warn (first 2)
    local all bad
    all=$(cat "$@" 2>/dev/null | wc -l)
    bad=$(cat "$@" 2>/dev/null | grep -iE 'fail|error|exception|warn' | grep -v 'descriptor limit' || true)
    printf '%s lines, %s with fail/error/exception/warn besides the descriptor-limit notice' "$all" "$(grep -c . <<<"$bad" || true)"
    if [[ -n "$bad" ]]; then
        printf '; first: %s' "$(sed -E 's/^[0-9TZ:.-]+ //' <<<"$bad" | cut -c1-160 | awk '!seen[$0]++' | head -2 |
            awk '{gsub(/[|]/, "/"); printf "%s%s", (NR > 1 ? " ¦ " : ""), $0}')"
    fi
}

hs_ratio=$(ratio "$(med hs_full_per_cpu)" "$(med hs_bound)")
bulk_ratio=$(ratio "$(med bulk_per_cpu)" "$(med sm4_ctr)")
case "$tlsgw_build" in
    head) built="built from HEAD" ;;
    worktree) built="built from the working tree" ;;
    none) built="prebuilt artifacts/tlsgw" ;;
esac
report="$tmp/report.md"
{
    echo "# tlsgw ShangMi (RFC 8998) through the edge vs OpenSSL's SM primitives — $(date -u '+%Y-%m-%d %H:%M:%SZ')"
    echo
    echo "commit $(git -C "$repo" rev-parse --short HEAD) ($built); $(openssl version); .NET $(dotnet --version 2>/dev/null);" \
        "CPU $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo) × $(nproc); load average at the start of each run $(across loadavg)."
    echo
    echo "$( ((runs > 1)) && echo "Each figure is the median of $runs runs (tlsgw restarted for each); a/b/c are the runs." || echo "One run.")" \
        "tlsgw serve on CPU $server_cpu (one listener, one chain with an SM2 and an ECDSA certificate, sm: prefer); sm-load" \
        "(managed TLS 1.3 client, $concurrency connections in flight; client trust anchor: the server's $anchor) and the sink upstream on CPU $client_cpu." \
        "Negotiated (every run): ShangMi client $(distinct sm_negotiated); openssl s_client (ECDSA certificate, through OpenSSL) $(distinct ecdsa_negotiated)."
    echo
    echo "| figure | median | runs |"
    echo "| --- | ---: | --- |"
    echo "| full SM handshakes/s (one request each) | $(med hs_full) | $(across hs_full) |"
    echo "| full SM handshakes per tlsgw CPU-second | $(med hs_full_per_cpu) | $(across hs_full_per_cpu) |"
    echo "|   tlsgw CPU µs per full handshake | $(med hs_full_cost) | $(across hs_full_cost) |"
    echo "| resumed SM handshakes/s (psk_dhe_ke) | $(med hs_resumed) | $(across hs_resumed) |"
    echo "| resumed SM handshakes per tlsgw CPU-second | $(med hs_resumed_per_cpu) | $(across hs_resumed_per_cpu) |"
    echo "|   tlsgw CPU µs per resumed handshake | $(med hs_resumed_cost) | $(across hs_resumed_cost) |"
    echo "|   share resumed (full / resumed load) | | $(across hs_full_resumed) / $(across hs_resumed_resumed) |"
    echo "| SM4-GCM MB/s through the edge ($bulk_connections × $bulk_bytes bytes up) | $(med bulk) | $(across bulk) |"
    echo "| SM4-GCM MB per tlsgw CPU-second | $(med bulk_per_cpu) | $(across bulk_per_cpu) |"
    echo "| openssl speed sm2: sign/s (CPU $server_cpu) | $(med sm2_sign) | $(across sm2_sign) |"
    echo "| openssl speed sm2: verify/s (CPU $server_cpu) | $(med sm2_verify) | $(across sm2_verify) |"
    echo "| SM2 handshake bound = 1 / (1/sign + 1/verify), per CPU-second | $(med hs_bound) | $(across hs_bound) |"
    echo "| stricter bound = sign/3 (three ladder multiplies, see below), per CPU-second | $(med hs_bound_ladder) | $(across hs_bound_ladder) |"
    echo "| openssl speed -evp sm4-ctr, 16 KiB blocks, MB/s (CPU $server_cpu) | $(med sm4_ctr) | $(across sm4_ctr) |"
    echo "| tlsgw RSS after the run, MiB | $(med rss_mib) | $(across rss_mib) |"
    echo
    echo "| ratio | value | target | |"
    echo "| --- | ---: | ---: | --- |"
    echo "| full handshakes per tlsgw CPU-second / SM2 bound | $hs_ratio | ≥ $target_hs | $(verdict "$hs_ratio" "$target_hs") |"
    echo "| full handshakes per tlsgw CPU-second / stricter bound (context, no target) | $(ratio "$(med hs_full_per_cpu)" "$(med hs_bound_ladder)") | | |"
    echo "| MB per tlsgw CPU-second / SM4-CTR MB/s | $bulk_ratio | ≥ $target_bulk | $(verdict "$bulk_ratio" "$target_bulk") |"
    echo
    echo "Bound: one server handshake = one SM2 signature (CertificateVerify) + one curveSM2 ECDH, the ECDH counted as one" \
        "SM2 verification (fixed-base key generation + variable-base multiply ≈ verify's two multiplies); everything else is" \
        "the edge's overhead. The stricter bound counts what OpenSSL 3.0 really does on the SM2 curve: the signature's k·G," \
        "the ECDH key generation and the ECDH multiply are each one constant-time ladder multiply, about one signature's" \
        "work, while a verification's two multiplies share one cheaper wNAF pass. Bulk bound: SM4-CTR alone; the edge also does GHASH and writes the plaintext to the upstream." \
        "openssl speed divides by user CPU time, so both bounds are per CPU-second, like the tlsgw figures."
    echo
    echo "CPU during each load, % of wall time (median over runs): on CPU $server_cpu tlsgw running, its threads runnable but" \
        "waiting, everything else; on CPU $client_cpu sm-load (its own CPU time), the sink, everyone else, and the core's total busy time."
    echo
    echo "| load | tlsgw | tlsgw waiting | CPU $server_cpu other | sm-load | sink | CPU $client_cpu other | CPU $client_cpu busy | bound by |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    for k in hs_full hs_resumed bulk; do echo "| $k | $(cpu_cells "$k") |"; done
    echo
    echo "Checks: tlsgw ticks used during openssl speed (should be ~0) $(across tlsgw_idle_ticks);" \
        "tlsgw logs (the port probe at each start leaves one peer_closed line): $(log_summary "$tmp"/tlsgw.run*.log); sm-load stderr lines: $(cat "$tmp/load.err" 2>/dev/null | wc -l);" \
        "run time $(($(date +%s) - started_at)) s, build included."
} >"$report"

cat "$report"
cp "$report" "$repo/bench/last-sm-run.md"
log "done in $(($(date +%s) - started_at))s; the tables are also in bench/last-sm-run.md"

#!/usr/bin/env bash
# sds-streams.sh — one SDS agent holding 10,000 concurrent StreamSecrets streams (the issue's
# scale target: a renewal pushed to all 10,000 in under 5 s, under 20 KiB per idle stream).
#
#   agent:  `tlsgw up` on free loopback ports in a temp dir, SDS on DIR/sds.sock, workload
#           certificates of BENCH_TTL (default 120s: renewed 54–66 s after the first request).
#           Every stream comes from the same uid, so all share one `default` identity and its
#           one renewal is pushed to every stream.
#   client: bench/sds (sds-load), a separate .NET process: BENCH_STREAMS streams dealt over
#           BENCH_CONNECTIONS HTTP/2 connections (one GrpcChannel each), each subscribed to
#           `default` and ACKing every response, recording when each stream saw each version.
#
# Timeline: start the agent; a warm-up client opens 100 streams and closes them (JIT, first
# issuance, Kestrel's and gRPC's first allocations), idle 5 s, RSS "before"; the load client
# opens every stream; 5 s after the last one is open, RSS "open" → KiB per idle stream =
# (open − before) / streams; 5 s more of idle CPU; then the renewal, whose arrival at every
# stream the client times against the agent's "Issued default" log line; then every stream is
# half-closed and RSS is read once more. RSS is VmRSS from /proc/PID/status: it includes
# garbage the GC has not collected yet, so it is an upper bound on what the streams hold.
# With BENCH_PIN=1 (default) the agent runs on CPU 0 and the client on CPU 1.
#
# Env: BENCH_BUILD (see build-tlsgw.sh; the client is built from bench/sds in the working tree
#      against src/TlsGateway.Grpc at HEAD); BENCH_REV=COMMIT builds tlsgw and the client's
#      messages from that commit instead (for when HEAD does not build, or to compare commits);
#      BENCH_STREAMS (10000); BENCH_CONNECTIONS (10);
#      BENCH_TTL (120s); BENCH_PIN (1); BENCH_KEEP=1 keeps the temp dir.
# Prints a Markdown table on stdout and writes it to bench/last-sds-run.md; progress on stderr.
# Exits 1 when not every stream opened or got the renewal (the table says how many did).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 LC_ALL=C
streams="${BENCH_STREAMS:-10000}"
connections="${BENCH_CONNECTIONS:-10}"
ttl="${BENCH_TTL:-120s}"
[[ "$streams" =~ ^[1-9][0-9]*$ && "$connections" =~ ^[1-9][0-9]*$ ]] \
    || { echo "bench: BENCH_STREAMS and BENCH_CONNECTIONS must be positive integers" >&2; exit 2; }
log() { echo "bench: $*" >&2; }
if [[ "${BENCH_PIN:-1}" == 1 && $(nproc) -ge 2 ]]; then
    pin_agent=(taskset -c 0); pin_client=(taskset -c 1); pinning="agent on CPU 0, client on CPU 1"
else
    pin_agent=(); pin_client=(); pinning="not pinned"
fi

tmp="$(mktemp -d /tmp/tlsgw-sds-bench.XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    [[ "${BENCH_KEEP:-}" == 1 ]] && log "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
status() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }   # VmRSS, RssAnon (KiB), Threads
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
cpu_s() { awk -v t="$1" -v hz="$hz" 'BEGIN {printf "%.2f", t / hz}'; }
issued_count() { grep -c 'Issued default for ' "$tmp/up.log" || true; }
renewal_issued() { [[ $(issued_count) -gt 1 ]]; }
marked_or_gone() { [[ -e "$tmp/marks/$1" ]] || ! kill -0 "$load_pid" 2>/dev/null; }
wait_for() {  # seconds, description, command...
    local limit=$1 what=$2; shift 2
    for _ in $(seq 1 $((limit * 10))); do "$@" && return 0; sleep 0.1; done
    log "timed out after ${limit} s waiting for $what"; return 1
}

# --- Build: tlsgw (shared step), and the load client against the gRPC messages at HEAD.
rev="${BENCH_REV:-HEAD}"
commit="$(git -C "$repo" rev-parse --short "$rev^{commit}")"
if [[ "$rev" == HEAD ]]; then
    dll="$(bash "$repo/bench/build-tlsgw.sh" "$tmp")"
    built="BENCH_BUILD=${BENCH_BUILD:-head}"
else
    log "building tlsgw (Release) from a snapshot of $commit"
    mkdir -p "$tmp/tree"
    git -C "$repo" archive "$commit" | tar -x -C "$tmp/tree"
    (cd "$tmp/tree" && dotnet build src/TlsGateway/TlsGateway.csproj -c Release -o "$tmp/tlsgw" -nologo -v quiet) >"$tmp/build.log" 2>&1 \
        || { cat "$tmp/build.log" >&2; log "build failed"; exit 1; }
    dll="$tmp/tlsgw/tlsgw.dll"
    built="BENCH_REV=$commit"
fi
log "building sds-load"
mkdir -p "$tmp/load-tree/bench"
git -C "$repo" archive "$commit" Directory.Build.props src/TlsGateway.Grpc | tar -x -C "$tmp/load-tree"
cp -r "$repo/bench/sds" "$tmp/load-tree/bench/sds"
rm -rf "$tmp/load-tree/bench/sds/bin" "$tmp/load-tree/bench/sds/obj"
if ! (cd "$tmp/load-tree" && dotnet build bench/sds/SdsLoad.csproj -c Release -o "$tmp/sds-load" -nologo -v quiet) >"$tmp/load-build.log" 2>&1; then
    cat "$tmp/load-build.log" >&2; log "sds-load build failed"; exit 1
fi
load() { "${pin_client[@]}" dotnet "$tmp/sds-load/sds-load.dll" --socket "$tmp/data/sds.sock" "$@"; }

# --- The agent.
: >"$tmp/up.log"
"${pin_agent[@]}" dotnet "$dll" up --data "$tmp/data" --listen "127.0.0.1:$(free_port)" --upstream-listen "127.0.0.1:$(free_port)" \
    --admin "127.0.0.1:$(free_port)" --workload-ttl "$ttl" >"$tmp/up.log" 2>&1 &
up_pid=$!; pids+=("$up_pid")
agent_ready() { grep -q 'SDS for ' "$tmp/up.log" || ! kill -0 "$up_pid" 2>/dev/null; }
wait_for 60 "the SDS socket" agent_ready && grep -q 'SDS for ' "$tmp/up.log" || { cat "$tmp/up.log" >&2; log "tlsgw up did not start"; exit 1; }
sleep 2
rss_cold=$(status "$up_pid" VmRSS)

log "warm-up: 100 streams, opened and closed"
load --streams 100 --connections 1 --until open --timeout 60 >/dev/null
sleep 5
rss_before=$(status "$up_pid" VmRSS); anon_before=$(status "$up_pid" RssAnon); threads_before=$(status "$up_pid" Threads)
cpu_before=$(cpu_ticks "$up_pid")

log "opening $streams streams over $connections connections ($pinning)"
mkdir -p "$tmp/marks"
load --streams "$streams" --connections "$connections" --up-log "$tmp/up.log" --mark-dir "$tmp/marks" --timeout 300 \
    >"$tmp/load.json" 2> >(tee "$tmp/load.err" >&2) &
load_pid=$!; pids+=("$load_pid")
open_ok=1
wait_for 300 "every stream to open" marked_or_gone open || true
[[ -e "$tmp/marks/open" ]] || open_ok=0
client_pid=$(cat "$tmp/marks/pid" 2>/dev/null || echo "$load_pid")
renewed_early=0
if [[ $open_ok == 1 ]]; then
    sleep 5
    rss_open=$(status "$up_pid" VmRSS); anon_open=$(status "$up_pid" RssAnon); threads_open=$(status "$up_pid" Threads)
    fds_open=$(ls "/proc/$up_pid/fd" | wc -l)
    cpu_open=$(cpu_ticks "$up_pid"); client_open=$(cpu_ticks "$client_pid" 2>/dev/null || echo 0)
    sleep 5
    cpu_idle=$(cpu_ticks "$up_pid")
    [[ $(issued_count) -gt 1 ]] && renewed_early=1
    log "all open; RSS $rss_before → $rss_open KiB; waiting for the renewal"
    wait_for 120 "the renewal to be issued" renewal_issued || true
    cpu_push_start=$(cpu_ticks "$up_pid"); client_push_start=$(cpu_ticks "$client_pid" 2>/dev/null || echo 0)
    wait_for 60 "the renewal to reach every stream" marked_or_gone rotated || true
    cpu_push_end=$(cpu_ticks "$up_pid"); client_push_end=$(cpu_ticks "$client_pid" 2>/dev/null || echo 0)
    rss_pushed=$(status "$up_pid" VmRSS); threads_pushed=$(status "$up_pid" Threads)
fi
touch "$tmp/marks/close"
load_rc=0; wait "$load_pid" || load_rc=$?
sleep 3
rss_closed=$(status "$up_pid" VmRSS); threads_closed=$(status "$up_pid" Threads)
resets=$(grep -c 'client reset the request stream' "$tmp/up.log" || true)
warnings=$(grep -cE '^[^ ]+ (warn|fail|crit):' "$tmp/up.log" || true)

field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("—" if v is None else v)' "$tmp/load.json" "$1"; }
[[ -s "$tmp/load.json" ]] || echo '{}' >"$tmp/load.json"
per_stream() { awk -v a="$1" -v b="$2" -v n="$streams" 'BEGIN {printf "%.1f", (b - a) / n}'; }
{
echo "# SDS: $streams streams on one agent — $(date -u '+%Y-%m-%d %H:%M:%SZ')"
echo
echo "commit $commit ($built); .NET $(dotnet --version); CPU $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(nproc) cores; $pinning; workload TTL $ttl"
echo
echo "| figure | value | target |"
echo "| --- | ---: | ---: |"
echo "| streams open / asked (failed) | $(field open) / $streams ($(field failed)) | |"
echo "| HTTP/2 connections / bytes per response (gRPC message) | $connections / $(field response_bytes) | |"
echo "| time to open all streams, s | $(field open_seconds) | |"
if [[ $open_ok == 1 ]]; then
echo "| agent RSS: cold / warm idle / $streams open, KiB | $rss_cold / $rss_before / $rss_open | |"
echo "| **KiB RSS per idle stream** (open − warm idle) / $streams | **$(per_stream "$rss_before" "$rss_open")** | < 20 |"
echo "| KiB anonymous RSS per idle stream | $(per_stream "$anon_before" "$anon_open") | |"
echo "| agent threads: idle / open / after push / closed | $threads_before / $threads_open / $threads_pushed / $threads_closed | |"
echo "| agent file descriptors with streams open | $fds_open | |"
echo "| agent CPU s: opening (+5 s idle) / 5 s idle / renewal push | $(cpu_s $((cpu_open - cpu_before))) / $(cpu_s $((cpu_idle - cpu_open))) / $(cpu_s $((cpu_push_end - cpu_push_start))) | |"
echo "| client CPU s: start-up and opening (+5 s idle) / renewal push | $(cpu_s "$client_open") / $(cpu_s $((client_push_end - client_push_start))) | |"
echo "| streams that got the renewal | $(field renewed) | $streams |"
echo "| **renewal: issuance → last stream, ms** | **$(field issued_to_last_ms)** | < 5000 |"
echo "| renewal: issuance → first stream, ms | $(field issued_to_first_ms) | |"
echo "| renewal: first → last stream, ms (p50 / p99 / max) | $(field renewal_spread_ms_p50) / $(field renewal_spread_ms_p99) / $(field renewal_spread_ms) | |"
echo "| agent RSS after the push / after closing every stream, KiB | $rss_pushed / $rss_closed | |"
fi
echo "| agent log: warnings+errors / 'client reset the request stream' lines | $warnings / $resets | |"
echo
[[ $open_ok == 1 ]] || echo "Not every stream opened: $(field first_error)"
[[ $renewed_early == 1 ]] && echo "The renewal came within 10 s of the last stream opening: the idle figures may include it."
[[ "$(field failed)" != 0 && "$(field failed)" != "—" ]] && echo "First stream error: $(field first_error)"
echo "The agent logs \"Issued default\" just after publishing the renewal to its streams, so issuance → first stream can be a few ms below zero; first → last stream is the push itself."
echo "Renewal issued at $(field issued_at) (agent log), reached the first stream at $(field renewal_first_at), the last at $(field renewal_last_at)."
} | tee "$repo/bench/last-sds-run.md"
[[ $load_rc == 0 ]] || { log "sds-load exited $load_rc"; tail -5 "$tmp/load.err" >&2; exit 1; }

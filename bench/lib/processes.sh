# bench/lib/processes.sh — sourced by the benchmark scripts: processes started and stopped by PID,
# free ports, readiness, and CPU accounting from /proc. The caller defines `log`, `tmp` (its
# scratch directory), `pids` (an array: every background PID it starts) and `python`.

stop_pid() {  # stop_pid PID: TERM, KILL after 3 s (and its children: an nginx master's workers); forgets PID
    local pid=$1 p child children kept=()
    if kill -0 "$pid" 2>/dev/null; then
        children=$(pgrep -P "$pid" || true)
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        for child in $children; do kill -KILL "$child" 2>/dev/null || true; done
    fi
    wait "$pid" 2>/dev/null || true
    # Forgotten once reaped, so a later cleanup cannot hit a process that reused the PID.
    for p in "${pids[@]}"; do [[ "$p" == "$pid" ]] || kept+=("$p"); done
    pids=("${kept[@]}")
}

cleanup() {  # the EXIT trap: stops every recorded process, removes $tmp unless BENCH_KEEP=1
    local status=$? pid all=("${pids[@]}")
    for pid in "${all[@]}"; do stop_pid "$pid"; done
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then log "kept $tmp"; else rm -rf "$tmp"; fi
    exit "$status"
}

free_ports() {  # free_ports N: N distinct free TCP ports on 127.0.0.1
    "$python" -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

wait_listening() {  # wait_listening PORT PID NAME LOG: until PORT accepts (30 s at most); NAME's log if PID dies
    local port=$1 pid=$2 name=$3 logfile=$4
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || { log "$name exited before listening; its log:"; cat "$logfile" >&2; exit 1; }
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    log "$name did not listen on $port within 30s; its log:"; cat "$logfile" >&2; exit 1
}

alive_or_die() {  # alive_or_die PID NAME LOG: a process that died mid-run invalidates the run
    kill -0 "$1" 2>/dev/null || { log "$2 died during the run; its log:"; cat "$3" >&2; exit 1; }
}

# CPU accounting, so each figure says which core limited it.
# proc_ticks PID: user+system ticks of a process, all threads (/proc/PID/stat fields 14-15,
# counted after the ")" that ends the command name). core_ticks N: busy and total ticks of CPU
# N (/proc/stat user..steal; guest is already in user) — this includes anyone else's load.
# wait_ns PID: nanoseconds the process's threads spent runnable but waiting for a CPU
# (/proc/PID/task/*/schedstat field 2, summed over threads, so threads waiting for each other
# count too). With the server core full, it says the process wanted more CPU.
hz=$(getconf CLK_TCK)
proc_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
core_ticks() { awk -v c="cpu$1" '$1 == c {t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
wait_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $2} END {printf "%.0f", s}'; }

# cpu_mark PID UPSTREAM_PID: one snapshot for cpu_seconds and cpu_usage_row: wall ns, the
# terminator's and the upstream's ticks, the terminator's waiting ns, busy and total ticks of the
# client core ($client_cpu) and of the server core ($server_cpu).
cpu_mark() {
    echo "$(date +%s%N) $(proc_ticks "$1") $(proc_ticks "$2") $(wait_ns "$1") $(core_ticks "$client_cpu") $(core_ticks "$server_cpu")"
}
# cpu_seconds BEFORE AFTER: the terminator's CPU seconds between two cpu_mark snapshots.
cpu_seconds() { awk -v a="$1" -v b="$2" -v hz="$hz" 'BEGIN {split(a, x); split(b, y); print (y[2] - x[2]) / hz}'; }
# cpu_usage_row BEFORE AFTER LOADGEN_MS: % of one core over the run — the terminator, its threads
# waiting, the rest of the server core, the load generator (LOADGEN_MS of CPU), the upstream,
# the rest of the client core, the client core's total — and what bound the run.
cpu_usage_row() {
    awk -v a="$1" -v b="$2" -v g="$3" -v hz="$hz" 'BEGIN {
        split(a, x); split(b, y)
        w = (y[1] - x[1]) / 1e6; s = y[2] - x[2]; u = y[3] - x[3]; q = y[4] - x[4]
        cb = y[5] - x[5]; ct = y[6] - x[6]; sb = y[7] - x[7]; st = y[8] - x[8]
        srv = s / hz * 1e5 / w; waited = q > 0 ? q / 1e4 / w : 0; core0 = st ? sb * 100 / st : 0; core = ct ? cb * 100 / ct : 0
        bound = srv >= 85 ? "server" : core0 >= 85 && waited >= 10 ? "server core, shared with other jobs" \
            : core >= 85 ? "client core" : "neither (latency)"
        gen = g * 100 / w; ups = u / hz * 1e5 / w; other = core - gen - ups; other0 = core0 - srv
        printf "%.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %s", srv, waited, (other0 > 0 ? other0 : 0),
            gen, ups, (other > 0 ? other : 0), core, bound}'
}

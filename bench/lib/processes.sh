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

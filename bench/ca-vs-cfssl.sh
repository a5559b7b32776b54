#!/usr/bin/env bash
# ca-vs-cfssl.sh — certificates/s of the TlsGateway CA beside CloudFlare's cfssl, in one run,
# signing the same ECDSA P-256 CSRs with the same ECDSA P-256 intermediate key (issue 4).
#
#   tlsgw: `tlsgw ca bench` drives CertificateAuthority.IssueAsync in-process — CSR parse and
#          signature check, policy, signing, and a ledger row + hash-chained audit event
#          committed per certificate — once with the SQLite store and once with PostgreSQL 15
#          (a throw-away cluster on loopback).
#   cfssl: `cfssl serve` (Debian golang-cfssl) answering POST /api/v1/cfssl/sign, loaded by
#          h2load over kept-alive HTTP/1.1; it keeps no ledger (no -db-config).
# Both CAs are pinned to CPU 0, h2load to CPU 1. The transports differ (tlsgw has no network
# hop here; cfssl parses HTTP and JSON on its core), and so does the work (cfssl writes no
# database): the table says so beside the ratio. CPU per certificate is read from each CA
# process's /proc/PID/stat, so it does not depend on who saturated.
#
# Both are measured warm, as the long-running services they are: tlsgw issues BENCH_WARMUP
# certificates first (default 20000, about ten seconds: .NET's tiered JIT and dynamic PGO are
# still recompiling hot methods for the first several thousand), cfssl answers 2,000 requests.
#
# Env: BENCH_BUILD (see build-tlsgw.sh); BENCH_CERTS (default 20000) per measurement;
#      BENCH_WARMUP (default 20000) unmeasured tlsgw issuances before each measurement;
#      BENCH_CONCURRENCY (default 8) requests in flight; BENCH_KEEP=1 keeps the temp dir.
# Prints a Markdown table on stdout and writes it to bench/last-ca-run.md; progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 LC_ALL=C
count="${BENCH_CERTS:-20000}"
concurrency="${BENCH_CONCURRENCY:-8}"
warmup="${BENCH_WARMUP:-20000}"
[[ "$count" =~ ^[1-9][0-9]*$ && "$concurrency" =~ ^[1-9][0-9]*$ && "$warmup" =~ ^[1-9][0-9]*$ ]] \
    || { echo "bench: BENCH_CERTS, BENCH_CONCURRENCY and BENCH_WARMUP must be positive integers" >&2; exit 2; }
log() { echo "bench: $*" >&2; }

missing=()
for package in golang-cfssl nghttp2-client postgresql-15 openssl; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

tmp="$(mktemp -d /tmp/tlsgw-ca-bench.XXXXXX)"
chmod 755 "$tmp"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [[ -n "${pg_data:-}" && -d "${pg_data:-}" ]] && as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1 || true
    [[ "${BENCH_KEEP:-}" == 1 ]] && log "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

dll="$(bash "$repo/bench/build-tlsgw.sh" "$tmp")"
tlsgw() { taskset -c 0 dotnet "$dll" "$@"; }

# --- The CSRs: 64 ECDSA P-256 keys, each asking for the benchmark identity.
log "making CSRs"
mkdir -p "$tmp/csrs"
for i in $(seq 1 64); do
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj "/" \
        -addext "subjectAltName=URI:spiffe://bench.local/ns/bench/sa/load" -out "$tmp/csrs/$i.csr" 2>/dev/null
done

# --- tlsgw with SQLite.
tlsgw ca init --trust-domain bench.local --data "$tmp/sqlite" >/dev/null
log "tlsgw + SQLite: $count certificates, concurrency 1 and $concurrency"
sqlite_c1="$(tlsgw ca bench --data "$tmp/sqlite" --count "$count" --warmup "$warmup" --concurrency 1 --csr-dir "$tmp/csrs" --json)"
sqlite_cn="$(tlsgw ca bench --data "$tmp/sqlite" --count "$count" --warmup "$warmup" --concurrency "$concurrency" --csr-dir "$tmp/csrs" --json)"

# --- tlsgw with PostgreSQL 15: a throw-away cluster owned by the postgres user, on loopback.
pg_bin=/usr/lib/postgresql/15/bin
as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_data="$tmp/pg"; mkdir -p "$pg_data"; [[ $(id -u) -eq 0 ]] && chown postgres "$pg_data"
pg_port=$(free_port)
as_postgres "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/log" -o "-p $pg_port -k $pg_data -c listen_addresses=127.0.0.1" -w start >/dev/null
as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE tlsgw" >/dev/null
tlsgw ca init --trust-domain bench.local --data "$tmp/postgres" --store "postgres://postgres@127.0.0.1:$pg_port/tlsgw" >/dev/null
log "tlsgw + PostgreSQL: $count certificates, concurrency $concurrency"
postgres_cn="$(tlsgw ca bench --data "$tmp/postgres" --count "$count" --warmup "$warmup" --concurrency "$concurrency" --csr-dir "$tmp/csrs" --json)"

# --- cfssl serve with the SQLite CA's intermediate (its key decrypted for cfssl, in the temp dir).
generation="$tmp/sqlite/ca/gen-1"
openssl pkey -in "$generation/ca-key.pem" -passin "file:$tmp/sqlite/ca/passphrase" -out "$tmp/cfssl-key.pem" 2>/dev/null
openssl ec -in "$tmp/cfssl-key.pem" -out "$tmp/cfssl-key-ec.pem" 2>/dev/null   # cfssl 1.2 wants SEC1
cat > "$tmp/cfssl.json" <<'JSON'
{"signing":{"default":{"expiry":"24h","usages":["digital signature","key encipherment","server auth","client auth"]}}}
JSON
python3 -c 'import json,sys; print(json.dumps({"certificate_request": open(sys.argv[1]).read()}))' "$tmp/csrs/1.csr" > "$tmp/sign.json"
cfssl_port=$(free_port)
taskset -c 0 cfssl serve -ca "$generation/ca-cert.pem" -ca-key "$tmp/cfssl-key-ec.pem" -config "$tmp/cfssl.json" \
    -address 127.0.0.1 -port "$cfssl_port" >"$tmp/cfssl.log" 2>&1 &
cfssl_pid=$!; pids+=("$cfssl_pid")
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$cfssl_port/api/v1/cfssl/info" -d '{}' && break; sleep 0.2; done
h2() { taskset -c 1 h2load --h1 -n "$1" -c "$concurrency" -d "$tmp/sign.json" -H 'content-type: application/json' \
    "http://127.0.0.1:$cfssl_port/api/v1/cfssl/sign"; }
log "cfssl serve: warm-up, then $count certificates, concurrency $concurrency"
h2 2000 >/dev/null
before=$(cpu_ticks "$cfssl_pid")
cfssl_out="$(h2 "$count")"
after=$(cpu_ticks "$cfssl_pid")
grep -q "$count succeeded" <<<"$cfssl_out" || { echo "$cfssl_out" >&2; log "cfssl requests failed"; exit 1; }
cfssl_rate=$(awk '/finished in/ {print $4}' <<<"$cfssl_out")
cfssl_cpu_rate=$(awk -v n="$count" -v t=$((after - before)) -v hz="$hz" 'BEGIN {printf "%.0f", n / (t / hz)}')

field() { python3 -c 'import json,sys; print(round(json.loads(sys.argv[1])[sys.argv[2]]))' "$1" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
row() {  # name, json
    local rate cpu
    rate=$(field "$2" certificates_per_second); cpu=$(field "$2" certificates_per_cpu_second)
    echo "| $1 | $rate | $cpu | $(ratio "$rate" "$cfssl_rate") | $(ratio "$cpu" "$cfssl_cpu_rate") |"
}
{
echo "# TlsGateway CA vs cfssl — $(date -u '+%Y-%m-%d %H:%M:%SZ')"
echo
echo "commit $(git -C "$repo" rev-parse --short HEAD); $(openssl version); cfssl $(cfssl version 2>/dev/null | awk '/Version/ {print $2}'); PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}'); CPU $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo); $count certificates per row, measured after $warmup unmeasured ones (cfssl: 2,000 requests)"
echo
echo "| signer (ECDSA P-256 CSRs, P-256 intermediate) | certificates/s | per CPU second | ratio to cfssl, rate | ratio to cfssl, CPU |"
echo "| --- | ---: | ---: | ---: | ---: |"
row "tlsgw, SQLite, 1 in flight (in-process API, ledger + audit)" "$sqlite_c1"
row "tlsgw, SQLite, $concurrency in flight" "$sqlite_cn"
row "tlsgw, PostgreSQL 15, $concurrency in flight" "$postgres_cn"
echo "| cfssl serve, $concurrency in flight (HTTP/JSON, no ledger) | $cfssl_rate | $cfssl_cpu_rate | 1.00 | 1.00 |" 
} | tee "$repo/bench/last-ca-run.md"

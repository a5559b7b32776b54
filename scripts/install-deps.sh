#!/usr/bin/env bash
# install-deps.sh runtime|test — installs the Debian packages TlsGateway needs, only when missing.
#   runtime: what building and running tlsgw needs (the native shim: gcc, cmake, libssl-dev).
#   test:    runtime plus the real peers the test suite drives (openssl, curl, SoftHSM2 + the
#            OpenSSL PKCS#11 engine, PostgreSQL 15, Prometheus (promtool and a real scraper), Node.js
#            and the SDS peer's npm packages).
set -euo pipefail

profile="${1:-runtime}"
packages=(gcc cmake make libssl-dev openssl)
if [[ "$profile" == "test" ]]; then
    packages+=(curl softhsm2 libengine-pkcs11-openssl opensc)
    packages+=(postgresql-15)  # initdb/postgres for the store tests' own throwaway cluster; the system service stays unused
    packages+=(prometheus)  # promtool validates /metrics; a real Prometheus scrapes it in an integration test
    packages+=(faketime)  # libfaketime runs the CA with its clock 5 minutes off in the clock-skew fault tests
    # Bouncy Castle Java 1.72 is the RFC 8998 peer (tests/peers/bc-tls), built by javac at test time; ASM drives its patching agent.
    packages+=(libbcprov-java libbcutil-java libbctls-java libasm-java)
    command -v javac >/dev/null 2>&1 || packages+=(default-jdk-headless)
    # Node.js runs the SDS interop peer (tests/peers/sds-client); a machine that already has node and npm keeps them.
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        packages+=(nodejs npm)
    fi
elif [[ "$profile" != "runtime" ]]; then
    echo "usage: $0 runtime|test" >&2
    exit 2
fi

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -gt 0 ]]; then
    echo "install-deps: installing ${missing[*]}" >&2
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    # Wait for another apt run rather than failing on its lock.
    $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
    $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ "$profile" == "test" ]]; then
    # The SDS peer's pinned npm packages, from its committed lockfile; again only when the
    # lockfile is newer than what node_modules holds (npm ci leaves node_modules/.package-lock.json).
    peer="$(dirname "$0")/../tests/peers/sds-client"
    if [[ ! -f "$peer/node_modules/.package-lock.json" || "$peer/package-lock.json" -nt "$peer/node_modules/.package-lock.json" ]]; then
        echo "install-deps: npm ci in tests/peers/sds-client" >&2
        (cd "$peer" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    fi
fi

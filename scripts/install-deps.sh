#!/usr/bin/env bash
# install-deps.sh runtime|test — installs the Debian packages TlsGateway needs, only when missing.
#   runtime: what building and running tlsgw needs (the native shim: gcc, cmake, libssl-dev).
#   test:    runtime plus the real peers the test suite drives (openssl, curl, SoftHSM2 + the
#            OpenSSL PKCS#11 engine).
set -euo pipefail

profile="${1:-runtime}"
packages=(gcc cmake make libssl-dev openssl)
if [[ "$profile" == "test" ]]; then
    packages+=(curl softhsm2 libengine-pkcs11-openssl opensc)
    packages+=(postgresql-15)  # initdb/postgres for the store tests' own throwaway cluster; the system service stays unused
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

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt run rather than failing on its lock.
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

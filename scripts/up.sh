#!/usr/bin/env bash
# up.sh [tlsgw up options] — builds tlsgw (and its native shim) and runs `tlsgw up`:
# the all-in-one local gateway with state in ./data. Ctrl-C drains and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash scripts/install-deps.sh runtime
dotnet build src/TlsGateway/TlsGateway.csproj -c Release -o artifacts/tlsgw -nologo -v quiet
exec dotnet artifacts/tlsgw/tlsgw.dll up "$@"

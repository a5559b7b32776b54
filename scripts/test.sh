#!/usr/bin/env bash
# test.sh — the whole test suite: installs the peers the tests drive, builds everything
# (native shim included), runs every test project, and ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

bash scripts/install-deps.sh test
dotnet build TlsGateway.sln -c Release -nologo -v quiet

log="$(mktemp)"
# Every tlsgw log and every secret the tests used land here (tests/Shared/TestLogArchive.cs);
# check-log-secrets.sh then proves no secret reached a log.
export TLSGW_TEST_LOGS="$(mktemp -d)"
trap 'rm -rf "$log" "$TLSGW_TEST_LOGS"' EXIT
status=0
dotnet test TlsGateway.sln -c Release --no-build -nologo 2>&1 | tee "$log" || status=$?
bash scripts/check-log-secrets.sh "$TLSGW_TEST_LOGS" "$log" || status=1

# dotnet test prints one "Passed!/Failed!  - Failed: F, Passed: P, ..." line per test assembly.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "tests: ${passed} passed, ${failed} failed"
if [[ "$passed" -eq 0 && "$status" -eq 0 ]]; then
    echo "test.sh: no test ran" >&2
    exit 1
fi
exit "$status"

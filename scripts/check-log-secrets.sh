#!/usr/bin/env bash
# check-log-secrets.sh DIR [LOG...] — proves that no secret the test suite used reached a log.
# DIR is what tests/Shared/TestLogArchive.cs filled while the suite ran: DIR/logs/*.log (the
# output of every tlsgw process) and DIR/secrets/*.txt (private-key PEM lines, passphrases,
# PINs, bootstrap tokens and session-ticket keys found in test directories before deletion).
# Extra LOG files (the test runner's own output) are searched too. Exit 1 on any leak.
set -euo pipefail

dir="$1"
shift
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Text secrets only (printable, at least 12 characters: shorter ones would match by chance).
cat "$dir"/secrets/*.txt 2>/dev/null | LC_ALL=C grep -a -x '[[:print:]]\{12,\}' | sort -u > "$work/secrets" || true
logs=("$dir"/logs/*.log "$@")
secret_count=$(wc -l < "$work/secrets")
log_count=$(ls "$dir"/logs/*.log 2>/dev/null | wc -l)

# A check that found nothing to check proves nothing: the suite must have produced both.
if [[ "$secret_count" -eq 0 || "$log_count" -eq 0 ]]; then
    echo "log secret check: nothing to check (${log_count} logs, ${secret_count} secrets); is TLSGW_TEST_LOGS wired?" >&2
    exit 1
fi

# The search itself must be able to fail: plant one secret in a canary log and expect a hit.
head -n 1 "$work/secrets" | sed 's/^/canary: /' > "$work/canary.log"
if ! LC_ALL=C grep -a -F -q -f "$work/secrets" "$work/canary.log"; then
    echo "log secret check: the search missed a planted secret" >&2
    exit 1
fi

if LC_ALL=C grep -a -F -l -f "$work/secrets" "${logs[@]}" > "$work/leaks" 2>/dev/null; then
    echo "log secret check: secret material found in $(wc -l < "$work/leaks") log(s):" >&2
    # Name the files and the lines' positions, never the secret itself.
    while read -r leaked; do
        echo "  $leaked: lines $(LC_ALL=C grep -a -F -n -f "$work/secrets" "$leaked" | cut -d: -f1 | head -n 5 | paste -sd, -)" >&2
    done < "$work/leaks"
    exit 1
fi

echo "log secret check: ${log_count} logs, ${secret_count} secrets, no leak"

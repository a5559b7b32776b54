#!/usr/bin/env bash
# build-tlsgw.sh TMPDIR — builds tlsgw (Release) for a benchmark and prints the path of tlsgw.dll.
# BENCH_BUILD=head (default): from a snapshot of the committed HEAD (`git archive`, read-only for
#   the repo) in TMPDIR, so the figures belong to the commit in the report and concurrent edits
#   or builds in the working tree cannot break or mix into the binary;
# BENCH_BUILD=worktree: the working tree, uncommitted edits included;
# BENCH_BUILD=none: run artifacts/tlsgw/tlsgw.dll as it is.
# Shared by every script in bench/; progress on stderr.
set -euo pipefail
tmp="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
case "${BENCH_BUILD:-head}" in
    head)
        echo "bench: building tlsgw (Release) from a snapshot of HEAD" >&2
        mkdir -p "$tmp/tree"
        git -C "$repo" archive HEAD | tar -x -C "$tmp/tree"
        build_dir="$tmp/tree" ;;
    worktree)
        echo "bench: building tlsgw (Release) from the working tree" >&2
        build_dir="$repo" ;;
    none)
        build_dir="" ;;
    *)
        echo "bench: BENCH_BUILD must be head, worktree or none" >&2; exit 2 ;;
esac
if [[ -n "$build_dir" ]]; then
    dll="$tmp/tlsgw/tlsgw.dll"
    if ! (cd "$build_dir" && dotnet build src/TlsGateway/TlsGateway.csproj -c Release -o "$tmp/tlsgw" -nologo -v quiet) >"$tmp/build.log" 2>&1; then
        cat "$tmp/build.log" >&2; echo "bench: build failed" >&2; exit 1
    fi
else
    dll="$repo/artifacts/tlsgw/tlsgw.dll"
fi
[[ -f "$dll" ]] || { echo "bench: no $dll" >&2; exit 1; }
echo "$dll"

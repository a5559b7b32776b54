#!/usr/bin/env bash
# build.sh — compiles the Bouncy Castle peer (tests/peers/bc-tls) against Debian's jars, only when a source
# is newer than the build. Prints the classpath on standard output (the run-*.sh wrappers use it).
#   build/bc172-agent.jar   the -javaagent that patches BC 1.72's TlsUtils (agent/)
#   build/bc-peer.jar       PeerServer and PeerClient (src/)
# Needs: javac (default-jdk-headless), libbcprov-java, libbcutil-java, libbctls-java, libasm-java.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="$here/build"
jars=/usr/share/java
bc_classpath="$jars/bcprov.jar:$jars/bcutil.jar:$jars/bctls.jar"
asm_classpath="$jars/asm.jar"

for jar in "$jars/bcprov.jar" "$jars/bcutil.jar" "$jars/bctls.jar" "$asm_classpath"; do
    if [[ ! -f "$jar" ]]; then
        echo "build.sh: $jar is missing (scripts/install-deps.sh test installs it)" >&2
        exit 1
    fi
done

command -v javac >/dev/null || { echo "build.sh: javac is missing (default-jdk-headless)" >&2; exit 1; }

# stale TARGET DIR... — true when TARGET is missing or a file under DIR (or this script) is newer.
stale() {
    local target="$1"; shift
    [[ ! -f "$target" ]] && return 0
    [[ "$here/build.sh" -nt "$target" ]] && return 0
    [[ -n "$(find "$@" -newer "$target" -type f -print -quit)" ]]
}

mkdir -p "$build"
# Serialise concurrent builds (several tests may build at once).
exec 9>"$build/.lock"
flock 9

if stale "$build/bc172-agent.jar" "$here/agent"; then
    rm -rf "$build/agent-classes"
    if ! javac --release 17 -cp "$asm_classpath:$bc_classpath" -d "$build/agent-classes" $(find "$here/agent" -name '*.java') >&2; then
        echo "build.sh: the agent did not compile" >&2
        exit 1
    fi
    jar --create --file "$build/bc172-agent.jar.tmp" --manifest "$here/agent/MANIFEST.MF" -C "$build/agent-classes" .
    mv "$build/bc172-agent.jar.tmp" "$build/bc172-agent.jar"
    echo "build.sh: built bc172-agent.jar" >&2
fi

if stale "$build/bc-peer.jar" "$here/src"; then
    rm -rf "$build/peer-classes"
    if ! javac --release 17 -cp "$bc_classpath" -d "$build/peer-classes" $(find "$here/src" -name '*.java') >&2; then
        echo "build.sh: the peer did not compile" >&2
        exit 1
    fi
    jar --create --file "$build/bc-peer.jar.tmp" -C "$build/peer-classes" .
    mv "$build/bc-peer.jar.tmp" "$build/bc-peer.jar"
    echo "build.sh: built bc-peer.jar" >&2
fi

echo "$build/bc-peer.jar:$bc_classpath:$asm_classpath"

#!/usr/bin/env bash
# run-server.sh [options] — builds the peer if needed, then runs tlsgw.bcpeer.PeerServer with the BC 1.72 agent.
# Options: see README.md or src/tlsgw/bcpeer/PeerServer.java.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
classpath="$("$here/build.sh")"
# Small, quick-starting JVM: the peer does one short job on a 2-core machine.
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xmx128m \
    -javaagent:"$here/build/bc172-agent.jar" -cp "$classpath" tlsgw.bcpeer.PeerServer "$@"

#!/usr/bin/env python3
"""idle_conns.py — opens N TLS connections to a terminator, completes each handshake, then
holds them all idle so the caller can read the terminator's RSS.

Prints "ready ok=N failed=F" on stdout once every connection is up, then sleeps until killed
or until --hold seconds pass (a bound, so a forgotten run cannot linger). The caller needs
`ulimit -n` above 2N + a little for the terminator (it holds N client and N upstream
sockets); this process raises its own soft limit to the hard one, since it holds N.
"""
import argparse
import resource
import socket
import ssl
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cafile", required=True)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=30.0, help="seconds to hold, at most")
    args = parser.parse_args()

    # The soft descriptor limit is often 1024 while the hard one allows more: take what the
    # hard limit allows, and say so up front if it is not enough for N sockets.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # An "unlimited" hard limit still cannot be the soft one (the kernel caps it at nr_open).
    target = max(soft, args.n + 64) if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as e:
            print(f"idle_conns: cannot raise the descriptor limit to {target}: {e}", file=sys.stderr)
    if soft != resource.RLIM_INFINITY and soft < args.n + 32:
        print(f"idle_conns: descriptor limit {soft} is too low for {args.n} connections", file=sys.stderr)
        return 2

    context = ssl.create_default_context(cafile=args.cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    held, failed = [], 0
    for i in range(args.n):
        try:
            raw = socket.create_connection(("127.0.0.1", args.port), timeout=10)
            # wrap_socket does the whole handshake: the terminator has a finished TLS
            # session (and, after the handshake, its upstream connection) for each one.
            held.append(context.wrap_socket(raw, server_hostname="localhost"))
        except OSError as e:
            failed += 1
            if failed <= 3:
                print(f"idle_conns: connection {i}: {e}", file=sys.stderr)
    print(f"ready ok={len(held)} failed={failed}", flush=True)
    time.sleep(args.hold)
    for conn in held:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

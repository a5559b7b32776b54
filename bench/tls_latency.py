#!/usr/bin/env python3
"""tls_latency.py — per-request latency of GET /small through a TLS terminator.

  --mode new        one TLS connection per request (TCP connect + full handshake + request,
                    'Connection: close'), the latency a short-lived client sees.
  --mode keepalive  every request on ONE kept-alive TLS connection, the latency the record
                    layer and the forwarding path add once the handshake is paid.
  --plain           the same without TLS, to check the upstream alone is not the bottleneck.

Prints one line: "p50_ms=… p99_ms=… n=… errors=… cipher=…" (cipher: the TLS 1.3 suite
negotiated, since this client offers OpenSSL's default order); --samples FILE also appends each
request's latency to FILE, so runs in turns can be pooled. Stdlib only, so it runs anywhere python3 does.
A request's latency runs from before connect (or before send, when kept alive) until the
last byte of the body; reading to Content-Length rather than to EOF keeps the upstream's
close out of the figure.
"""
import argparse
import math
import socket
import ssl
import sys
import time


def read_response(conn, buf=b""):
    """Reads one HTTP/1.1 response with a Content-Length body; returns what is left over."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed before the response headers")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status + b" ":
        raise ConnectionError(f"unexpected status {status!r}")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise ConnectionError("response without Content-Length")
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed inside the body")
        rest += chunk
    return rest[length:]


def percentile(sorted_values, p):
    """Nearest-rank percentile (no interpolation: p99 of 300 samples is the 297th)."""
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cafile", help="trust anchor for the terminator's certificate")
    parser.add_argument("--mode", choices=["new", "keepalive"], default="new")
    parser.add_argument("--plain", action="store_true", help="no TLS (upstream check)")
    parser.add_argument("-n", type=int, default=300, help="measured requests")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests first")
    parser.add_argument("--path", default="/small")
    parser.add_argument("--samples", help="append each measured request's latency (ms, one a line) to this file")
    args = parser.parse_args()

    context = None
    if not args.plain:
        context = ssl.create_default_context(cafile=args.cafile)
        context.minimum_version = ssl.TLSVersion.TLSv1_3

    def connect():
        raw = socket.create_connection(("127.0.0.1", args.port), timeout=10)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if context is None:
            return raw
        # server_hostname "localhost" matches the leaf's SAN, so verification is real.
        return context.wrap_socket(raw, server_hostname="localhost")

    keep = args.mode == "keepalive"
    header = "keep-alive" if keep else "close"
    request = (f"GET {args.path} HTTP/1.1\r\nHost: localhost\r\nConnection: {header}\r\n\r\n").encode()

    samples, errors, cipher = [], 0, "none"
    conn, leftover = (connect(), b"") if keep else (None, b"")
    for i in range(args.warmup + args.n):
        start = time.perf_counter()
        try:
            if not keep:
                conn, leftover = connect(), b""
            conn.sendall(request)
            leftover = read_response(conn, leftover)
            if context is not None:
                cipher = conn.cipher()[0]
            elapsed = time.perf_counter() - start
            if i >= args.warmup:
                samples.append(elapsed * 1000.0)
        except (OSError, ConnectionError) as e:
            errors += 1
            print(f"tls_latency: request {i}: {e}", file=sys.stderr)
            if keep:
                conn.close()
                conn, leftover = connect(), b""
        finally:
            if not keep and conn is not None:
                conn.close()
                conn = None
    if keep:
        conn.close()

    if not samples:
        print(f"p50_ms=nan p99_ms=nan n=0 errors={errors} cipher={cipher}")
        return 1
    if args.samples:
        with open(args.samples, "a", encoding="ascii") as out:
            out.writelines(f"{s:.6f}\n" for s in samples)
    samples.sort()
    print(f"p50_ms={percentile(samples, 50):.3f} p99_ms={percentile(samples, 99):.3f} "
          f"n={len(samples)} errors={errors} cipher={cipher}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

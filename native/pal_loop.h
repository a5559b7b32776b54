// pal_loop: the system calls of the edge's event loops (src/TlsGateway.Edge/Loop). Each loop
// thread owns one epoll set and the non-blocking sockets registered in it; these calls are thin
// wrappers that report errors as -errno (never through errno, which .NET would have to fetch in
// a second call) and retry EINTR. One call per socket event, as the rest of the shim.
#pragma once

#include "pal_compiler.h"

// One readiness event, laid out the same on every architecture (x86-64's struct epoll_event is
// packed, other architectures' is not).
typedef struct TlsGwLoopEvent
{
    uint64_t data;
    uint32_t events;
    uint32_t reserved;
} TlsGwLoopEvent;

// epoll_create1(EPOLL_CLOEXEC). Returns the descriptor, or -errno.
TLSGW_EXPORT int32_t TlsGwNative_LoopCreate(void);

// epoll_ctl(op, fd) with the given event mask and 64-bit data. Returns 0, or -errno.
TLSGW_EXPORT int32_t TlsGwNative_LoopControl(int32_t epfd, int32_t op, int32_t fd, uint32_t events, uint64_t data);

// epoll_wait into events (at most capacity), waiting up to timeoutMs (-1: forever). Returns the
// number of events (0 on timeout or a signal), or -errno.
TLSGW_EXPORT int32_t TlsGwNative_LoopWait(int32_t epfd, TlsGwLoopEvent* events, int32_t capacity, int32_t timeoutMs);

// A non-blocking, close-on-exec eventfd that wakes a loop. Returns the descriptor, or -errno.
TLSGW_EXPORT int32_t TlsGwNative_LoopWakerCreate(void);

// Adds one to the eventfd (wakes the loop waiting on it). Returns 0, or -errno.
TLSGW_EXPORT int32_t TlsGwNative_LoopWakerSignal(int32_t fd);

// Reads the eventfd back to zero. Returns 0, or -errno.
TLSGW_EXPORT int32_t TlsGwNative_LoopWakerDrain(int32_t fd);

// accept4(SOCK_NONBLOCK | SOCK_CLOEXEC) on a non-blocking listening socket, then TCP_NODELAY on
// the new socket. The peer's address is copied into address (up to *addressLength bytes; the
// length is updated). Returns the descriptor, or -errno (-EAGAIN: the queue is empty).
TLSGW_EXPORT int32_t TlsGwNative_LoopAccept(int32_t listener, uint8_t* address, int32_t* addressLength);

// Opens a non-blocking, close-on-exec TCP socket of the address's family with TCP_NODELAY and
// starts connecting it to address (a sockaddr_in or sockaddr_in6). Sets *fd and returns 0 when
// connected at once, or -EINPROGRESS while the connection is being made (wait for writability,
// then LoopSocketError). On any other failure the socket is closed, *fd is -1 and -errno returned.
TLSGW_EXPORT int32_t TlsGwNative_LoopConnect(const uint8_t* address, int32_t addressLength, int32_t* fd);

// getsockopt(SO_ERROR): 0 once a connect has succeeded, else the errno that ended it.
TLSGW_EXPORT int32_t TlsGwNative_LoopSocketError(int32_t fd);

// recv(2). Returns the byte count, 0 at the end of the stream, or -errno (-EAGAIN: nothing yet).
TLSGW_EXPORT int32_t TlsGwNative_LoopReceive(int32_t fd, uint8_t* buffer, int32_t capacity);

// send(2) with MSG_NOSIGNAL. Returns the byte count taken, or -errno (-EAGAIN: the buffer is full).
TLSGW_EXPORT int32_t TlsGwNative_LoopSend(int32_t fd, const uint8_t* data, int32_t length);

// recv(MSG_PEEK) of one byte: 1 when bytes wait, 0 at the end of the stream, -EAGAIN when the
// socket is empty, or -errno (a reset). Consumes no data.
TLSGW_EXPORT int32_t TlsGwNative_LoopPeek(int32_t fd);

// shutdown(SHUT_WR). Returns 0, or -errno.
TLSGW_EXPORT int32_t TlsGwNative_LoopShutdownSend(int32_t fd);

// close(2). Returns 0, or -errno.
TLSGW_EXPORT int32_t TlsGwNative_LoopClose(int32_t fd);

// getsockname(2) into address (up to *addressLength bytes; the length is updated). Returns 0, or -errno.
TLSGW_EXPORT int32_t TlsGwNative_LoopLocalAddress(int32_t fd, uint8_t* address, int32_t* addressLength);

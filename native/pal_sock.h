// pal_sock: passing listening sockets between processes (hot restart). The old process sends
// its listening sockets to the new one over a Unix socket with SCM_RIGHTS (unix(7)); both then
// share the same kernel socket and its accept queue, so no connection is refused while the
// old one stops accepting.
#pragma once

#include "pal_compiler.h"

#define TLSGW_SOCK_MAX_FDS 64

// Sends length bytes of data and count descriptors (sendmsg with one SCM_RIGHTS control
// message) on the connected Unix stream socket sock. The caller keeps its descriptors.
// Returns the number of bytes sent, or -errno.
TLSGW_EXPORT int32_t TlsGwNative_SockSendWithFds(int32_t sock, const uint8_t* data, int32_t length, const int32_t* fds, int32_t count);

// Receives up to capacity bytes into data and up to maxFds descriptors into fds (recvmsg with
// MSG_CMSG_CLOEXEC), setting *received to how many descriptors arrived; the caller owns them.
// If the control data was truncated every descriptor that did arrive is closed and -EMSGSIZE
// is returned. Returns the number of bytes received (0 at end of stream), or -errno.
TLSGW_EXPORT int32_t TlsGwNative_SockReceiveWithFds(int32_t sock, uint8_t* data, int32_t capacity, int32_t* fds, int32_t maxFds, int32_t* received);

// Sets or clears FD_CLOEXEC on fd (fcntl F_SETFD). Returns 0, or -errno.
// To wake a call blocked on a socket, .NET shuts it down (shutdown(2)) before closing it, but
// only when FD_CLOEXEC is set (a descriptor without it may be shared with other processes), and
// a shutdown reaches every process sharing the socket: clearing the flag first lets a process
// close its copy of a listening socket it has handed over without breaking the new owner's.
TLSGW_EXPORT int32_t TlsGwNative_SockSetCloseOnExec(int32_t fd, int32_t closeOnExec);

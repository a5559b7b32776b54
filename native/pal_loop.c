#define _GNU_SOURCE // accept4(2)

#include "pal_loop.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define TLSGW_LOOP_MAX_EVENTS 1024

int32_t TlsGwNative_LoopCreate(void)
{
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int32_t TlsGwNative_LoopControl(int32_t epfd, int32_t op, int32_t fd, uint32_t events, uint64_t data)
{
    struct epoll_event event = { .events = events, .data.u64 = data };
    return epoll_ctl(epfd, op, fd, &event) < 0 ? -errno : 0;
}

int32_t TlsGwNative_LoopWait(int32_t epfd, TlsGwLoopEvent* events, int32_t capacity, int32_t timeoutMs)
{
    if (events == NULL || capacity <= 0)
    {
        return -EINVAL;
    }

    struct epoll_event ready[TLSGW_LOOP_MAX_EVENTS];
    int count = epoll_wait(epfd, ready, capacity < TLSGW_LOOP_MAX_EVENTS ? capacity : TLSGW_LOOP_MAX_EVENTS, timeoutMs);
    if (count < 0)
    {
        return errno == EINTR ? 0 : -errno;
    }

    for (int i = 0; i < count; i++)
    {
        events[i].data = ready[i].data.u64;
        events[i].events = ready[i].events;
        events[i].reserved = 0;
    }

    return count;
}

int32_t TlsGwNative_LoopWakerCreate(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int32_t TlsGwNative_LoopWakerSignal(int32_t fd)
{
    uint64_t one = 1;
    ssize_t written;
    do
    {
        written = write(fd, &one, sizeof(one));
    } while (written < 0 && errno == EINTR);

    // EAGAIN: the counter is at its maximum, so the loop is woken already.
    return written < 0 && errno != EAGAIN ? -errno : 0;
}

int32_t TlsGwNative_LoopWakerDrain(int32_t fd)
{
    uint64_t value;
    ssize_t got;
    do
    {
        got = read(fd, &value, sizeof(value));
    } while (got < 0 && errno == EINTR);

    return got < 0 && errno != EAGAIN ? -errno : 0;
}

static void NoDelay(int fd)
{
    // Small writes (a TLS flight, a short reply) go out at once; a proxy has nothing to batch.
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int32_t TlsGwNative_LoopAccept(int32_t listener, uint8_t* address, int32_t* addressLength)
{
    if (address == NULL || addressLength == NULL || *addressLength < 0)
    {
        return -EINVAL;
    }

    socklen_t length = (socklen_t)*addressLength;
    int fd;
    do
    {
        fd = accept4(listener, (struct sockaddr*)address, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);

    if (fd < 0)
    {
        return -errno;
    }

    *addressLength = (int32_t)length;
    NoDelay(fd);
    return fd;
}

int32_t TlsGwNative_LoopConnect(const uint8_t* address, int32_t addressLength, int32_t* fd)
{
    if (address == NULL || fd == NULL || addressLength < (int32_t)sizeof(sa_family_t))
    {
        return -EINVAL;
    }

    *fd = -1;
    sa_family_t family = ((const struct sockaddr*)address)->sa_family;
    int sock = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (sock < 0)
    {
        return -errno;
    }

    NoDelay(sock);
    if (connect(sock, (const struct sockaddr*)address, (socklen_t)addressLength) == 0)
    {
        *fd = sock;
        return 0;
    }

    int error = errno;
    if (error == EINPROGRESS || error == EINTR)
    {
        // EINTR: the connection goes on in the background (connect(2)), as for EINPROGRESS.
        *fd = sock;
        return -EINPROGRESS;
    }

    close(sock);
    return -error;
}

int32_t TlsGwNative_LoopSocketError(int32_t fd)
{
    int error = 0;
    socklen_t length = sizeof(error);
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0 ? errno : error;
}

int32_t TlsGwNative_LoopReceive(int32_t fd, uint8_t* buffer, int32_t capacity)
{
    ssize_t count;
    do
    {
        count = recv(fd, buffer, (size_t)capacity, 0);
    } while (count < 0 && errno == EINTR);

    return count < 0 ? -errno : (int32_t)count;
}

int32_t TlsGwNative_LoopSend(int32_t fd, const uint8_t* data, int32_t length)
{
    ssize_t count;
    do
    {
        count = send(fd, data, (size_t)length, MSG_NOSIGNAL);
    } while (count < 0 && errno == EINTR);

    return count < 0 ? -errno : (int32_t)count;
}

int32_t TlsGwNative_LoopPeek(int32_t fd)
{
    uint8_t one;
    ssize_t count;
    do
    {
        count = recv(fd, &one, 1, MSG_PEEK | MSG_DONTWAIT);
    } while (count < 0 && errno == EINTR);

    return count < 0 ? -errno : (int32_t)count;
}

int32_t TlsGwNative_LoopShutdownSend(int32_t fd)
{
    return shutdown(fd, SHUT_WR) < 0 ? -errno : 0;
}

int32_t TlsGwNative_LoopClose(int32_t fd)
{
    // Linux releases the descriptor even when close(2) fails (EINTR included): never retry.
    return close(fd) < 0 ? -errno : 0;
}

int32_t TlsGwNative_LoopLocalAddress(int32_t fd, uint8_t* address, int32_t* addressLength)
{
    if (address == NULL || addressLength == NULL || *addressLength < 0)
    {
        return -EINVAL;
    }

    socklen_t length = (socklen_t)*addressLength;
    if (getsockname(fd, (struct sockaddr*)address, &length) < 0)
    {
        return -errno;
    }

    *addressLength = (int32_t)length;
    return 0;
}

#include "pal_sock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int32_t TlsGwNative_SockSendWithFds(int32_t sock, const uint8_t* data, int32_t length, const int32_t* fds, int32_t count)
{
    if (data == NULL || length <= 0 || count < 0 || count > TLSGW_SOCK_MAX_FDS || (count > 0 && fds == NULL))
    {
        return -EINVAL;
    }

    struct iovec iov = { .iov_base = (void*)data, .iov_len = (size_t)length };
    union
    {
        struct cmsghdr align;
        char buffer[CMSG_SPACE(sizeof(int) * TLSGW_SOCK_MAX_FDS)];
    } control;
    memset(&control, 0, sizeof(control));

    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (count > 0)
    {
        message.msg_control = control.buffer;
        message.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count);
        struct cmsghdr* header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)count);
    }

    ssize_t sent;
    do
    {
        sent = sendmsg(sock, &message, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);

    return sent < 0 ? -errno : (int32_t)sent;
}

int32_t TlsGwNative_SockReceiveWithFds(int32_t sock, uint8_t* data, int32_t capacity, int32_t* fds, int32_t maxFds, int32_t* received)
{
    if (data == NULL || capacity <= 0 || received == NULL || maxFds < 0 || maxFds > TLSGW_SOCK_MAX_FDS || (maxFds > 0 && fds == NULL))
    {
        return -EINVAL;
    }

    *received = 0;
    struct iovec iov = { .iov_base = data, .iov_len = (size_t)capacity };
    union
    {
        struct cmsghdr align;
        char buffer[CMSG_SPACE(sizeof(int) * TLSGW_SOCK_MAX_FDS)];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof(control.buffer) };

    ssize_t got;
    do
    {
        got = recvmsg(sock, &message, MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);

    if (got < 0)
    {
        return -errno;
    }

    int32_t count = 0;
    int32_t dropped = 0;
    for (struct cmsghdr* header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header))
    {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
        {
            continue;
        }

        size_t n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int* arrived = (int*)CMSG_DATA(header);
        for (size_t i = 0; i < n; i++)
        {
            if (count < maxFds)
            {
                fds[count++] = arrived[i];
            }
            else
            {
                close(arrived[i]);
                dropped = 1;
            }
        }
    }

    if (dropped || (message.msg_flags & MSG_CTRUNC) != 0)
    {
        // A partial set of listeners is worse than none: the caller sees an error, not a gap.
        for (int32_t i = 0; i < count; i++)
        {
            close(fds[i]);
        }

        return -EMSGSIZE;
    }

    *received = count;
    return (int32_t)got;
}

int32_t TlsGwNative_SockSetCloseOnExec(int32_t fd, int32_t closeOnExec)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0)
    {
        return -errno;
    }

    flags = closeOnExec ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
    return fcntl(fd, F_SETFD, flags) < 0 ? -errno : 0;
}

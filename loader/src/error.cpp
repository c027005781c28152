// SPDX-License-Identifier: MIT
#include "winbpf/error.hpp"

#include "internal.hpp"

#include <cstring>
#include <unistd.h>

namespace winbpf
{

Error::Error(const std::string &message, int error) : std::runtime_error(message), error_(error < 0 ? -error : error) {}

namespace detail
{

std::string errno_text(int error)
{
    if (error < 0)
        error = -error;
    return std::strerror(error);
}

Fd &Fd::operator=(Fd &&other) noexcept
{
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = other.release();
    }
    return *this;
}

Fd::~Fd()
{
    if (fd_ >= 0)
        ::close(fd_);
}

int Fd::release() noexcept
{
    int fd = fd_;
    fd_ = -1;
    return fd;
}

} // namespace detail
} // namespace winbpf

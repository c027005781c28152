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

std::string libbpf_error_text(int error)
{
    if (error < 0)
        error = -error;
    const char *name = strerrorname_np(error);
    return std::string("libbpf's error ") +
           (name ? std::string(name) + " (-" + std::to_string(error) + ")" : std::to_string(-error));
}

} // namespace detail
} // namespace winbpf

// SPDX-License-Identifier: MIT
#include "output_writer.hpp"

#include <cerrno>
#include <unistd.h>

namespace winbpf::monitor
{

bool OutputWriter::flush(std::string &buffer)
{
    std::size_t done = 0;
    while (error_ == 0 && done < buffer.size()) {
        const ssize_t n = ::write(fd_, buffer.data() + done, buffer.size() - done);
        if (n >= 0)
            done += static_cast<std::size_t>(n);
        else if (errno != EINTR)
            error_ = errno;
    }
    buffer.clear();
    return error_ == 0;
}

} // namespace winbpf::monitor

// SPDX-License-Identifier: MIT
// Finding and opening cgroup-v2 directories (where cgroup hooks such as bind attach).
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"
#include "winbpf/unique_fd.hpp"

#include <fcntl.h>
#include <fstream>
#include <linux/magic.h>
#include <sstream>
#include <sys/vfs.h>

namespace winbpf
{

namespace
{
// /proc/self/mounts escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_path(const std::string &field)
{
    std::string path;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            int value = 0;
            bool octal = true;
            for (std::size_t k = 1; k <= 3; ++k) {
                octal = octal && field[i + k] >= '0' && field[i + k] <= '7';
                value = value * 8 + (field[i + k] - '0');
            }
            if (octal) {
                path += static_cast<char>(value);
                i += 3;
                continue;
            }
        }
        path += field[i];
    }
    return path;
}
} // namespace

std::string cgroup2_mount()
{
    std::ifstream mounts("/proc/self/mounts");
    std::string line;
    while (std::getline(mounts, line)) {
        std::istringstream fields(line);
        std::string source, target, type;
        if (fields >> source >> target >> type && type == "cgroup2")
            return unescape_mount_path(target);
    }
    throw Error("cgroup v2 is not mounted (no cgroup2 entry in /proc/self/mounts): mount it, e.g. "
                "'mount -t cgroup2 none /sys/fs/cgroup/unified'",
                ENOENT);
}

UniqueFd open_cgroup2(const std::string &path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        throw Error("cgroup '" + path + "': " + detail::errno_text(err), err);
    }
    struct statfs fs {
    };
    if (::fstatfs(fd.get(), &fs) != 0) {
        int err = errno;
        throw Error("cgroup '" + path + "': " + detail::errno_text(err), err);
    }
    if (fs.f_type != CGROUP2_SUPER_MAGIC) {
        std::string where;
        try {
            where = " (cgroup v2 is mounted at " + cgroup2_mount() + ")";
        } catch (const Error &) {
            where = " (cgroup v2 is not mounted)";
        }
        throw Error("'" + path + "' is not a cgroup-v2 directory" + where, ENOTDIR);
    }
    return fd;
}

} // namespace winbpf

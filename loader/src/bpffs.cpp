// SPDX-License-Identifier: MIT
// Making sure bpffs is mounted at /sys/fs/bpf (pins of `winbpf add program` live there).
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"

#include <fstream>
#include <sstream>
#include <sys/mount.h>

namespace winbpf
{

namespace
{
constexpr const char *bpffs_path = "/sys/fs/bpf";
} // namespace

bool bpffs_mounted()
{
    std::ifstream mounts("/proc/self/mounts");
    std::string line;
    while (std::getline(mounts, line)) {
        std::istringstream fields(line);
        std::string source, target, type;
        if (fields >> source >> target >> type && target == bpffs_path && type == "bpf")
            return true;
    }
    return false;
}

void ensure_bpffs()
{
    if (bpffs_mounted())
        return;
    if (::mount("bpf", bpffs_path, "bpf", 0, "mode=0700") != 0) {
        int err = errno;
        throw Error(std::string("mounting bpffs at ") + bpffs_path + ": " + detail::errno_text(err), err);
    }
}

} // namespace winbpf

// SPDX-License-Identifier: MIT
// Making sure bpffs is mounted at /sys/fs/bpf (pins of `winbpf add program` live there).
#include "internal.hpp"
#include "winbpf/error.hpp"
#include "winbpf/system.hpp"

#include <fstream>
#include <sstream>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

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

bool in_initial_mount_namespace()
{
    struct stat self {
    }, init{};
    if (::stat("/proc/self/ns/mnt", &self) != 0)
        return true; // no /proc: nothing to tell by
    if (::stat("/proc/1/ns/mnt", &init) == 0)
        return self.st_ino == init.st_ino;
    // pid 1 is not ours to inspect (no CAP_SYS_PTRACE over it): the inode the kernel gives the initial mount
    // namespace, fixed from Linux 6.18 (PROC_MNT_INIT_INO), before that the first namespace inode handed out.
    return self.st_ino == 0xEFFFFFF8u || self.st_ino == 0xF0000000u;
}

void use_system_bpffs(bool mount)
{
    if (bpffs_mounted())
        return;
    if (!in_initial_mount_namespace())
        throw Error(std::string("this process runs in a mount namespace of its own whose ") + bpffs_path +
                        " has no bpf filesystem (as `ip netns exec` gives a command: a private /sys): a bpffs "
                        "mounted and pinned here would vanish with the namespace, and the system's is out of reach. "
                        "Change only the network namespace instead: nsenter --net=/run/netns/NAME winbpf ...",
                    ENOENT);
    if (mount)
        ensure_bpffs();
}

} // namespace winbpf

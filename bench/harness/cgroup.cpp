// SPDX-License-Identifier: MIT
#include "cgroup.hpp"

#include "winbpf/system.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace winbpf::bench
{
namespace
{

/// Kills every process of the cgroup (cgroup.kill) and removes it, retrying while the killed processes exit.
bool remove_cgroup(const std::string &path)
{
    if (std::ofstream kill(path + "/cgroup.kill"); kill)
        kill << "1";
    for (int attempt = 0; attempt < 200; ++attempt) {
        if (rmdir(path.c_str()) == 0 || errno == ENOENT)
            return true;
        if (errno != EBUSY)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "bench: cannot remove cgroup %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
}

/// Removes <root>/<prefix>.<pid> directories whose bench process is gone (a bench killed by SIGKILL).
void remove_leftovers(const std::filesystem::path &root, const std::string &prefix)
{
    std::error_code error;
    for (const auto &entry : std::filesystem::directory_iterator(root, error)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_directory() || !name.starts_with(prefix + "."))
            continue;
        const pid_t pid = static_cast<pid_t>(std::atoi(name.c_str() + prefix.size() + 1));
        if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH)
            remove_cgroup(entry.path().string());
    }
}

} // namespace

ChildCgroup::ChildCgroup(const std::string &prefix)
{
    const std::string root = cgroup2_mount();
    remove_leftovers(root, prefix);
    path_ = root + "/" + prefix + "." + std::to_string(getpid());
    if (mkdir(path_.c_str(), 0755) != 0 && errno != EEXIST)
        throw std::system_error(errno, std::generic_category(), "mkdir " + path_);
    procs_.reset(open((path_ + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    if (!procs_) {
        const int error = errno;
        remove_cgroup(path_);
        throw std::system_error(error, std::generic_category(), "open " + path_ + "/cgroup.procs");
    }
}

ChildCgroup::~ChildCgroup()
{
    procs_.reset();
    remove_cgroup(path_);
}

} // namespace winbpf::bench

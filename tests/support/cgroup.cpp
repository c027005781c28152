// SPDX-License-Identifier: MIT
#include "support/cgroup.hpp"

#include "winbpf/system.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace winbpf::test
{
namespace
{

// This process's cgroup-v2 path ("0::/a/b" line of /proc/self/cgroup) under the mount.
std::filesystem::path current_cgroup(const std::filesystem::path &mount)
{
    std::ifstream file("/proc/self/cgroup");
    std::string line;
    while (std::getline(file, line))
        if (line.starts_with("0::"))
            return mount / std::filesystem::path(line.substr(3)).relative_path();
    throw std::runtime_error("no cgroup-v2 entry (0::) in /proc/self/cgroup");
}

void move_self(const std::filesystem::path &cgroup)
{
    std::ofstream procs(cgroup / "cgroup.procs");
    procs << getpid() << std::flush;
    if (!procs)
        throw std::runtime_error("moving pid " + std::to_string(getpid()) + " into " + cgroup.string() + ": " +
                                 std::strerror(errno));
}

} // namespace

TestCgroup::TestCgroup()
{
    static std::atomic<int> counter{0};
    const std::filesystem::path mount = winbpf::cgroup2_mount();
    origin_ = current_cgroup(mount);
    path_ = mount / ("winbpf-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::error_code ec;
    if (!std::filesystem::create_directory(path_, ec))
        throw std::runtime_error("creating cgroup " + path_.string() + ": " + ec.message());
}

void TestCgroup::enter()
{
    move_self(path_);
    entered_ = true;
}

void TestCgroup::leave()
{
    if (!entered_)
        return;
    move_self(origin_);
    entered_ = false;
}

TestCgroup::~TestCgroup()
{
    try {
        leave();
    } catch (const std::exception &error) {
        ADD_FAILURE() << error.what();
    }
    if (::rmdir(path_.c_str()) != 0)
        ADD_FAILURE() << "removing cgroup " << path_ << ": " << std::strerror(errno);
}

} // namespace winbpf::test

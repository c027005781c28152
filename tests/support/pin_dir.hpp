// SPDX-License-Identifier: MIT
// A bpffs directory of a test's own for pins (bpftool prog loadall, pinned objects), unpinned on destruction.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace winbpf::test
{

/// /sys/fs/bpf/<prefix>_<pid>, removed with everything pinned in it when created and on destruction (also when the
/// test fails). The directory itself is not created (bpftool prog loadall creates it).
class PinDir
{
  public:
    explicit PinDir(const std::string &prefix) : path_("/sys/fs/bpf/" + prefix + "_" + std::to_string(::getpid()))
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    PinDir(const PinDir &) = delete;
    PinDir &operator=(const PinDir &) = delete;
    ~PinDir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path &path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

} // namespace winbpf::test

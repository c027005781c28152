// SPDX-License-Identifier: MIT
// A cgroup-v2 directory of the bench's own, for a workload whose tool attaches to one cgroup.
#pragma once

#include "winbpf/unique_fd.hpp"

#include <string>

namespace winbpf::bench
{

/// Creates <cgroup-v2 mount>/<prefix>.<pid> on construction (after removing leftovers of dead benches with the same
/// prefix) and removes it on destruction, killing what still runs in it. Throws std::system_error (or
/// winbpf::Error when cgroup v2 is not mounted) if it cannot be created.
class ChildCgroup
{
  public:
    explicit ChildCgroup(const std::string &prefix);
    ChildCgroup(const ChildCgroup &) = delete;
    ChildCgroup &operator=(const ChildCgroup &) = delete;
    ~ChildCgroup();

    /// The directory.
    const std::string &path() const noexcept { return path_; }
    /// Its cgroup.procs, open for writing: a process writing "0" to it moves itself into the cgroup.
    int procs_fd() const noexcept { return procs_.get(); }

  private:
    std::string path_;
    UniqueFd procs_;
};

} // namespace winbpf::bench

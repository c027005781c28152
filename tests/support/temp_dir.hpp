// SPDX-License-Identifier: MIT
// A fresh directory under /tmp, removed with its contents on destruction.
#pragma once

#include <filesystem>

namespace winbpf::test
{

class TempDir
{
  public:
    /// Throws std::system_error when it cannot be created.
    TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    /// Removes the tree, however deep (also beyond PATH_MAX); a failure to do so fails the test.
    ~TempDir();
    /// Canonical path (symlinks such as a linked /tmp resolved).
    const std::filesystem::path &path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

} // namespace winbpf::test

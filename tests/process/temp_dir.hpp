// SPDX-License-Identifier: MIT
// A fresh directory under /tmp, removed with its contents on destruction.
#pragma once

#include <filesystem>
#include <string>

namespace process_test
{

class TempDir
{
  public:
    TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    ~TempDir();
    /// Canonical path (symlinks such as a linked /tmp resolved).
    const std::filesystem::path &path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

} // namespace process_test

// SPDX-License-Identifier: MIT
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <system_error>
#include <unistd.h>

namespace winbpf::test
{
namespace
{

/// Removes what the directory dir_fd holds (and closes dir_fd). Only names relative to an open directory are used,
/// so the depth of the tree does not matter. False when something stays.
bool remove_contents(int dir_fd)
{
    DIR *dir = fdopendir(dir_fd);
    if (!dir) {
        close(dir_fd);
        return false;
    }
    bool removed = true;
    while (const dirent *entry = readdir(dir)) {
        const char *name = entry->d_name;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0 || unlinkat(dirfd(dir), name, 0) == 0)
            continue;
        const int child =
            errno == EISDIR ? openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
        removed = child >= 0 && remove_contents(child) && unlinkat(dirfd(dir), name, AT_REMOVEDIR) == 0 && removed;
    }
    closedir(dir);
    return removed;
}

} // namespace

TempDir::TempDir()
{
    std::string name = "/tmp/winbpf-test-XXXXXX";
    if (!mkdtemp(name.data()))
        throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = std::filesystem::canonical(name);
}

TempDir::~TempDir()
{
    const int fd = open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !remove_contents(fd) || rmdir(path_.c_str()) != 0)
        ADD_FAILURE() << "could not remove " << path_;
}

} // namespace winbpf::test

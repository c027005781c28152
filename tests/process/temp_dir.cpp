// SPDX-License-Identifier: MIT
#include "temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace process_test
{

TempDir::TempDir()
{
    std::string name = "/tmp/winbpf-process-test-XXXXXX";
    if (!mkdtemp(name.data()))
        throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = std::filesystem::canonical(name);
}

TempDir::~TempDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

} // namespace process_test

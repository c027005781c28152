// SPDX-License-Identifier: MIT
// The BPF objects the loader tests load (built into LOADER_TEST_BPF_DIR).
#pragma once

#include <string>

namespace loader_test
{

/// Path of a test object built into LOADER_TEST_BPF_DIR.
inline std::string bpf_path(const std::string &name)
{
    return std::string(LOADER_TEST_BPF_DIR) + "/" + name;
}

} // namespace loader_test

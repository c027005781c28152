// SPDX-License-Identifier: MIT
// What bpftool (the system's own view, independent of winbpf) says about loaded programs.
#pragma once

#include <cstdint>
#include <set>
#include <string>

namespace winbpf::test
{

/// Path of bpftool found by CMake.
std::string bpftool_path();
/// Ids of every program `bpftool -j prog show` lists. Throws std::runtime_error when bpftool fails.
std::set<std::uint32_t> bpftool_program_ids();

} // namespace winbpf::test

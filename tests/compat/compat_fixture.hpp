// SPDX-License-Identifier: MIT
// What the compatibility tests share: paths of their programs, map access by raw key and value bytes, bpftool's view
// of a map, and a process of the test's own whose CREATE the programs act on.
#pragma once

#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/temp_dir.hpp"
#include "winbpf/object.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct bpf_map;

namespace compat_test
{

/// Path of a tests/compat program built by CMake (Makefile.bpf) into COMPAT_TEST_BPF_DIR.
std::string object_path(const std::string &name);
/// Path of tests/bpf/compat/<name> (sources the tests compile themselves).
std::string source_path(const std::string &name);
/// Path of winbpf_test_child.
std::string test_child_path();

/// A program compiled by the test with Makefile.bpf into a temporary directory (removed with it).
struct Compiled {
    winbpf::test::TempDir dir;
    std::filesystem::path object;       ///< dir/<source's stem>.o (absent when the build failed)
    winbpf::test::CommandResult result; ///< make's status, stdout and stderr
};
/// Makefile.bpf on tests/bpf/compat/<source> (a path relative to it) with EXTRA_CFLAGS=extra_cflags; 2 minutes at most.
std::unique_ptr<Compiled> compile(const std::string &source, const std::string &extra_cflags = "");
/// Lines of text that contain needle.
std::vector<std::string> lines_with(const std::string &text, const std::string &needle);

/// bpf_map_lookup_elem on a loaded map with the key's bytes; the value has the map's value size (times the possible
/// CPUs for per-CPU maps). Throws winbpf::Error naming the map.
std::vector<std::uint8_t> lookup(bpf_map *map, const void *key);
/// bpf_map_update_elem with BPF_ANY. Throws winbpf::Error naming the map.
void update(bpf_map *map, const void *key, const void *value);
/// A value as T (the first sizeof(T) bytes).
template <typename T> T value_as(const std::vector<std::uint8_t> &bytes)
{
    T value{};
    std::memcpy(&value, bytes.data(), std::min(sizeof(T), bytes.size()));
    return value;
}

/// Kernel id of a loaded map.
std::uint32_t map_id(bpf_map *map);
/// `bpftool -j ARGS...` parsed; throws std::runtime_error with bpftool's stderr when it fails.
nlohmann::json bpftool_json(const std::vector<std::string> &args);
/// Bytes of a bpftool JSON byte list (["0x01", "0x02", ...]).
std::vector<std::uint8_t> bpftool_bytes(const nlohmann::json &list);

/// Runs winbpf_test_child "exit 0" gated: configure(pid) runs before it execs (its CREATE), then it is released and
/// must exit 0 within 10 s (test failure otherwise).
void run_target_process(const std::function<void(pid_t)> &configure);

/// KernelTest that opens one compatibility program and unloads it before the base class checks for leftovers.
class CompatTest : public winbpf::test::KernelTest
{
  protected:
    void TearDown() override
    {
        object_.reset();
        KernelTest::TearDown();
    }
    /// Opens object_path(name) into object_.
    winbpf::Object &open(const std::string &name);

    std::optional<winbpf::Object> object_;
};

/// Whether adaptations has a sentence containing both needles.
bool has_adaptation(const std::vector<std::string> &adaptations, const std::string &needle,
                    const std::string &other = "");

} // namespace compat_test

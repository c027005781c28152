// SPDX-License-Identifier: MIT
#include "compat_fixture.hpp"

#include "support/bpftool.hpp"
#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <chrono>
#include <sstream>
#include <stdexcept>

namespace compat_test
{

using namespace winbpf::test;

std::string object_path(const std::string &name)
{
    return std::string(COMPAT_TEST_BPF_DIR) + "/" + name + ".o";
}

std::string source_path(const std::string &name)
{
    return std::string(COMPAT_BPF_SOURCES) + "/" + name;
}

std::string test_child_path()
{
    return WINBPF_TEST_CHILD;
}

std::unique_ptr<Compiled> compile(const std::string &source, const std::string &extra_cflags)
{
    using namespace std::chrono_literals;
    auto compiled = std::make_unique<Compiled>();
    compiled->object = compiled->dir.path() / (std::filesystem::path(source).stem().string() + ".o");
    compiled->result =
        run({MAKE_PROGRAM, "--no-print-directory", "-f", std::string(WINBPF_SOURCE_DIR) + "/Makefile.bpf",
             "SRC=" + source_path(source), "OUT=" + compiled->object.string(), "BUILD=" + std::string(WINBPF_BUILD_DIR),
             "CLANG=" + std::string(CLANG_BPF), "EXTRA_CFLAGS=" + extra_cflags},
            120s);
    return compiled;
}

std::vector<std::string> lines_with(const std::string &text, const std::string &needle)
{
    std::vector<std::string> found;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (line.find(needle) != std::string::npos)
            found.push_back(line);
    return found;
}

std::vector<std::uint8_t> lookup(bpf_map *map, const void *key)
{
    std::size_t size = bpf_map__value_size(map);
    const auto type = bpf_map__type(map);
    if (type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH)
        size = (size + 7) / 8 * 8 * static_cast<std::size_t>(libbpf_num_possible_cpus());
    std::vector<std::uint8_t> value(size);
    if (bpf_map_lookup_elem(bpf_map__fd(map), key, value.data()) != 0)
        throw winbpf::Error(std::string("lookup in map ") + bpf_map__name(map), errno);
    return value;
}

void update(bpf_map *map, const void *key, const void *value)
{
    if (bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY) != 0)
        throw winbpf::Error(std::string("update of map ") + bpf_map__name(map), errno);
}

std::uint32_t map_id(bpf_map *map)
{
    bpf_map_info info{};
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &length) != 0)
        throw winbpf::Error(std::string("info of map ") + bpf_map__name(map), errno);
    return info.id;
}

nlohmann::json bpftool_json(const std::vector<std::string> &args)
{
    std::vector<std::string> argv{bpftool_path(), "-j"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CommandResult result = run(argv, std::chrono::seconds(30));
    if (!exited_with(result.status, 0))
        throw std::runtime_error("bpftool failed: " + describe_status(result.status) + ": " + result.err + result.out);
    return nlohmann::json::parse(result.out);
}

std::vector<std::uint8_t> bpftool_bytes(const nlohmann::json &list)
{
    std::vector<std::uint8_t> bytes;
    for (const auto &byte : list)
        bytes.push_back(static_cast<std::uint8_t>(std::stoul(byte.get<std::string>(), nullptr, 16)));
    return bytes;
}

void run_target_process(const std::function<void(pid_t)> &configure)
{
    using namespace std::chrono_literals;
    Child child = Child::fork_gated({test_child_path(), "exit", "0"});
    configure(child.pid());
    child.release();
    const auto status = child.wait(10s);
    ASSERT_TRUE(exited_with(status, 0)) << describe_status(status);
}

winbpf::Object &CompatTest::open(const std::string &name)
{
    object_.emplace(winbpf::Object::open_file(object_path(name)));
    return *object_;
}

bool has_adaptation(const std::vector<std::string> &adaptations, const std::string &needle, const std::string &other)
{
    for (const std::string &a : adaptations)
        if (a.find(needle) != std::string::npos && a.find(other) != std::string::npos)
            return true;
    return false;
}

} // namespace compat_test

// SPDX-License-Identifier: MIT
// Issue 10 items 1 and 2: maps eBPF for Windows accepts and Linux refuses as written, adapted by the loader with the
// same meaning (8-byte array keys; per-CPU values over 32 KiB), used by real process-hook programs on a real CREATE.
#include "compat_fixture.hpp"
#include "compat_target.h"

#include "winbpf/attachment.hpp"
#include "winbpf/unique_fd.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sched.h>

namespace compat_test
{
namespace
{

class ArrayKey64Test : public CompatTest
{
};

// counters and key_config are declared with uint64_t keys; the program looks up key 0x500000001 (slot 1, as Windows
// indexes by the low 32 bits) and updates key 0x700000003 (slot 3). User space reads and writes with 8-byte keys,
// bpftool with 4-byte ones.
TEST_F(ArrayKey64Test, EightByteArrayKeysUseTheirLow32Bits)
{
    winbpf::Object &object = open("array_key64");
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'counters'", "8-byte array key uses its low 32 bits"));
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'key_config'", "8-byte array key uses its low 32 bits"));
    object.load();
    EXPECT_EQ(bpf_map__key_size(object.map("counters")), 4u);
    winbpf::Attachment attachment(object);

    bpf_map *config = object.map("key_config");
    bpf_map *counters = object.map("counters");
    std::uint64_t pid_key = 0, lookup_key_key = 1 | (std::uint64_t{9} << 32); // slot 1, high half ignored
    std::uint64_t lookup_key = 1 | (std::uint64_t{5} << 32);
    update(config, &lookup_key_key, &lookup_key);
    pid_t target = 0;
    run_target_process([&](pid_t pid) {
        target = pid;
        std::uint64_t value = static_cast<std::uint64_t>(pid);
        update(config, &pid_key, &value);
    });

    const std::uint64_t slot1 = 1 | (std::uint64_t{0xffffffff} << 32);
    const auto hit = value_as<compat_slot>(lookup(counters, &slot1));
    EXPECT_EQ(hit.hits, 1u) << "lookup with key 0x500000001 did not reach slot 1";
    EXPECT_EQ(hit.process_id, static_cast<std::uint64_t>(target));
    for (std::uint64_t other : {std::uint64_t{0}, std::uint64_t{2}}) {
        EXPECT_EQ(value_as<compat_slot>(lookup(counters, &other)).hits, 0u) << "slot " << other;
    }
    const std::uint64_t slot3 = 3;
    const auto written = value_as<compat_slot>(lookup(counters, &slot3));
    EXPECT_EQ(written.hits, 1000u) << "update with key 0x700000003 did not write slot 3";
    EXPECT_EQ(written.process_id, static_cast<std::uint64_t>(target));
    const std::uint64_t beyond = 4;
    std::vector<std::uint8_t> value(sizeof(compat_slot));
    EXPECT_NE(bpf_map_lookup_elem(bpf_map__fd(counters), &beyond, value.data()), 0) << "slot 4 of 4";

    // bpftool: the same slots, with Linux's 4-byte keys.
    const auto entry =
        bpftool_json({"map", "lookup", "id", std::to_string(map_id(counters)), "key", "3", "0", "0", "0"});
    const auto bytes = bpftool_bytes(entry.at("value"));
    ASSERT_EQ(bytes.size(), sizeof(compat_slot)) << entry.dump();
    EXPECT_EQ(value_as<compat_slot>(bytes).hits, 1000u) << entry.dump();
}

class BigPerCpuTest : public CompatTest
{
};

// temp is a PERCPU_ARRAY with a uint64_t key and a 65,520-byte value, as in ntosebpfext's process monitor. Linux
// refuses both; the loader makes it an ARRAY with one element per CPU and the shim gives the program its CPU's element.
TEST_F(BigPerCpuTest, PerCpuScratchOver32KiBWorksWithMemsetAndMemcpy)
{
    winbpf::Object &object = open("big_percpu");
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'temp'", "over Linux's 32 KiB per-CPU limit"));
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'temp'", "8-byte array key uses its low 32 bits"));
    object.load();
    const int cpus = libbpf_num_possible_cpus();
    ASSERT_GT(cpus, 0);
    bpf_map *temp = object.map("temp");
    EXPECT_EQ(bpf_map__type(temp), BPF_MAP_TYPE_ARRAY);
    EXPECT_EQ(bpf_map__max_entries(temp), static_cast<__u32>(cpus));
    EXPECT_EQ(bpf_map__value_size(temp), static_cast<__u32>(COMPAT_BIG_VALUE));
    // Every CPU's element starts with a marker the program must overwrite on its CPU only.
    std::vector<std::uint8_t> marker(COMPAT_BIG_VALUE, 0x11);
    for (std::uint32_t element = 0; element < static_cast<std::uint32_t>(cpus); ++element)
        update(temp, &element, marker.data());
    winbpf::Attachment attachment(object);

    // The target execs on the last CPU, so an element other than the first one must be used.
    const int last_cpu = cpus - 1;
    run_target_process([&](pid_t pid) {
        std::uint32_t zero = 0;
        std::uint64_t value = static_cast<std::uint64_t>(pid);
        update(object.map("target"), &zero, &value);
        cpu_set_t only{};
        CPU_SET(last_cpu, &only);
        ASSERT_EQ(sched_setaffinity(pid, sizeof(only), &only), 0) << "sched_setaffinity: " << errno;
    });

    std::uint32_t zero = 0;
    const auto result = value_as<compat_big_result>(lookup(object.map("results"), &zero));
    ASSERT_EQ(result.runs, 1u) << "BigPerCpu did not run once on the target's CREATE";
    ASSERT_EQ(result.cpu, static_cast<std::uint64_t>(last_cpu)) << "the target ran on another CPU";
    EXPECT_EQ(result.same_pointer, 1u) << "two lookups of key 0 on one CPU gave different values";
    EXPECT_EQ(result.memset_first, 0);
    EXPECT_EQ(result.filled_bytes, static_cast<std::uint64_t>(COMPAT_BIG_VALUE)) << "memset over the whole value";
    EXPECT_EQ(result.memcpy_result, 0);
    const auto copied = lookup(object.map("copy"), &zero);
    EXPECT_EQ(std::count(copied.begin(), copied.end(), 0xa5), COMPAT_BIG_VALUE) << "memcpy of the whole value";

    // The program wrote its CPU's element (first byte: the CPU number, then the fill); the others keep the marker.
    for (std::uint32_t element = 0; element < static_cast<std::uint32_t>(cpus); ++element) {
        const auto bytes = lookup(temp, &element);
        if (element == result.cpu) {
            EXPECT_EQ(bytes[0], static_cast<std::uint8_t>(result.cpu));
            EXPECT_EQ(std::count(bytes.begin() + 1, bytes.end(), 0xa5), COMPAT_BIG_VALUE - 1);
        } else {
            EXPECT_EQ(std::count(bytes.begin(), bytes.end(), 0x11), COMPAT_BIG_VALUE) << "CPU " << element;
        }
    }
}

class LegacyMapsTest : public CompatTest
{
};

// Item 4: SEC("maps") struct bpf_map_def maps, as eBPF for Windows samples write them, with map-in-map (ARRAY_OF_MAPS
// with inner_map_idx, HASH_OF_MAPS with inner_id): created as declared, usable from BPF and user space.
TEST_F(LegacyMapsTest, LegacyDefinitionsIncludingMapInMapLoadAndWork)
{
    winbpf::Object &object = open("legacy_maps");
    for (const char *name : {"'counters'", "'inner_template'", "'outer_by_idx'", "'outer_by_id'"})
        EXPECT_TRUE(has_adaptation(object.adaptations(), name, "legacy SEC(\"maps\") struct bpf_map_def")) << name;
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'outer_by_idx'", "inner map template"));
    object.load();
    struct Expected {
        const char *name;
        bpf_map_type type;
        __u32 key_size, value_size, max_entries;
    };
    for (const Expected &e :
         {Expected{"counters", BPF_MAP_TYPE_ARRAY, 4, 8, 4}, Expected{"inner_template", BPF_MAP_TYPE_HASH, 4, 8, 8},
          Expected{"outer_by_idx", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 1},
          Expected{"outer_by_id", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 10}}) {
        bpf_map *map = object.map(e.name);
        EXPECT_EQ(bpf_map__type(map), e.type) << e.name;
        EXPECT_EQ(bpf_map__key_size(map), e.key_size) << e.name;
        EXPECT_EQ(bpf_map__value_size(map), e.value_size) << e.name;
        EXPECT_EQ(bpf_map__max_entries(map), e.max_entries) << e.name;
    }

    // Inner maps of the template's shape, one per outer map.
    winbpf::UniqueFd by_idx(bpf_map_create(BPF_MAP_TYPE_HASH, "compat_inner1", 4, 8, 8, nullptr));
    winbpf::UniqueFd by_id(bpf_map_create(BPF_MAP_TYPE_HASH, "compat_inner2", 4, 8, 8, nullptr));
    ASSERT_TRUE(by_idx && by_id) << "bpf_map_create: " << errno;
    std::uint32_t zero = 0, five = 5;
    std::uint32_t fd = static_cast<std::uint32_t>(by_idx.get());
    update(object.map("outer_by_idx"), &zero, &fd);
    fd = static_cast<std::uint32_t>(by_id.get());
    update(object.map("outer_by_id"), &five, &fd);

    winbpf::Attachment attachment(object);
    const int cpus = libbpf_num_possible_cpus();
    ASSERT_GT(cpus, 0);
    const int last_cpu = cpus - 1;
    pid_t target = 0;
    run_target_process([&](pid_t pid) {
        target = pid;
        std::uint64_t value = static_cast<std::uint64_t>(pid);
        update(object.map("counters"), &zero, &value);
        cpu_set_t only{};
        CPU_SET(last_cpu, &only);
        ASSERT_EQ(sched_setaffinity(pid, sizeof(only), &only), 0) << "sched_setaffinity: " << errno;
    });
    std::uint32_t one = 1, two = 2, seven = 7, nine = 9;
    EXPECT_EQ(value_as<std::uint64_t>(lookup(object.map("counters"), &one)), 1u) << "runs";

    // The legacy per-CPU array over 32 KiB: spread over the CPUs like a declared one; the program used its CPU's.
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'legacy_scratch'", "over Linux's 32 KiB per-CPU limit"));
    EXPECT_EQ(value_as<std::uint64_t>(lookup(object.map("counters"), &two)), static_cast<std::uint64_t>(cpus))
        << "the program did not run on the last CPU";
    for (std::uint32_t element = 0; element < static_cast<std::uint32_t>(cpus); ++element) {
        const auto bytes = lookup(object.map("legacy_scratch"), &element);
        if (static_cast<int>(element) == last_cpu) {
            EXPECT_EQ(bytes[0], static_cast<std::uint8_t>(last_cpu));
            EXPECT_EQ(std::count(bytes.begin() + 1, bytes.end(), 0x5a), 65520 - 1);
        } else {
            EXPECT_EQ(std::count(bytes.begin(), bytes.end(), 0), 65520) << "CPU " << element << "'s value was used";
        }
    }
    std::uint64_t value = 0;
    ASSERT_EQ(bpf_map_lookup_elem(by_idx.get(), &seven, &value), 0) << "no key 7 in outer_by_idx[0]'s inner map";
    EXPECT_EQ(value, static_cast<std::uint64_t>(target));
    ASSERT_EQ(bpf_map_lookup_elem(by_id.get(), &nine, &value), 0) << "no key 9 in outer_by_id[5]'s inner map";
    EXPECT_EQ(value, static_cast<std::uint64_t>(target));
}

} // namespace
} // namespace compat_test

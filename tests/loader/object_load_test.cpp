// SPDX-License-Identifier: MIT
// Object::load, Attachment and RingBufferConsumer against the running kernel with real Windows-style programs.
#include "loader_objects.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/wait.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"
#include "winbpf/object.hpp"
#include "winbpf/ring_buffer.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <gmock/gmock.h>
#include <iterator>
#include <memory>
#include <set>
#include <unistd.h>

using loader_test::bpf_path;
using testing::HasSubstr;
using winbpf::Error;
using winbpf::Object;

namespace
{

class ObjectLoad : public winbpf::test::KernelTest
{
};

// What loader_test_monitor.c writes per event.
struct TestEvent {
    std::uint32_t handler;
    std::uint32_t process_id;
    std::uint32_t operation;
    std::uint32_t exit_code;
};

bool kernel_exit_has_group_dead()
{
    std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), &btf__free);
    int id = btf__find_by_name_kind(vmlinux.get(), "btf_trace_sched_process_exit", BTF_KIND_TYPEDEF);
    const btf_type *ptr = btf__type_by_id(vmlinux.get(), btf__type_by_id(vmlinux.get(), id)->type);
    return btf_vlen(btf__type_by_id(vmlinux.get(), ptr->type)) == 3;
}

std::int64_t clock_ns(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

TEST_F(ObjectLoad, VerifierRejectionNamesProgramAndLog)
{
    Object object = Object::open_file(bpf_path("loader_test_reject.o"));
    try {
        object.load();
        FAIL() << "the verifier accepted loader_test_reject.o";
    } catch (const Error &e) {
        EXPECT_THAT(e.what(), HasSubstr("LoaderTestReject__winbpf_process_exec"));
        EXPECT_THAT(e.what(), HasSubstr("handler LoaderTestReject"));
        EXPECT_THAT(e.what(), HasSubstr("-- verifier log of LoaderTestReject__winbpf_process_exec --"));
        EXPECT_THAT(e.what(), HasSubstr("read from stack"));
        EXPECT_THAT(e.what(), HasSubstr("processed ")); // the verifier's summary line
        EXPECT_EQ(e.error(), EACCES);
    }
}

// load() asks the verifier for its statistics only: a rejection is loaded again without them for the full log, also
// for an object opened from memory (e.g. a skeleton's bytes), with the programs' autoload as the caller set it.
TEST_F(ObjectLoad, VerifierRejectionFromMemoryHasTheFullLog)
{
    std::ifstream file(bpf_path("loader_test_reject.o"), std::ios::binary);
    ASSERT_TRUE(file) << bpf_path("loader_test_reject.o");
    std::vector<char> chars((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::vector<std::byte> elf(chars.size());
    std::memcpy(elf.data(), chars.data(), chars.size());
    Object object = Object::open_memory(elf, "embedded reject");
    try {
        object.load();
        FAIL() << "the verifier accepted loader_test_reject.o";
    } catch (const Error &e) {
        EXPECT_THAT(e.what(), HasSubstr("embedded reject: the kernel rejected"));
        EXPECT_THAT(e.what(), HasSubstr("-- verifier log of LoaderTestReject__winbpf_process_exec --"));
        EXPECT_THAT(e.what(), HasSubstr("read from stack"));
        EXPECT_EQ(e.error(), EACCES);
    }
}

// Issue 11: the verifier's work per program (id, instructions verified, rewritten, and its time from the verifier's
// statistics, which load() always asks for), read from the kernel after load.
TEST_F(ObjectLoad, VerificationPerProgram)
{
    Object object = Object::open_file(bpf_path("loader_test_monitor.o"));
    EXPECT_TRUE(object.verification().empty()) << "nothing before load()";
    object.load();
    std::set<std::string> names;
    bpf_program *program;
    bpf_object__for_each_program(program, object.raw()) if (bpf_program__fd(program) >= 0)
        names.insert(bpf_program__name(program));
    ASSERT_EQ(object.verification().size(), names.size());
    for (const winbpf::ProgramVerification &v : object.verification()) {
        SCOPED_TRACE(v.name);
        EXPECT_EQ(names.count(v.name), 1u);
        EXPECT_NE(v.id, 0u);
        EXPECT_GT(v.verified_insns, 0u);
        EXPECT_GT(v.xlated_insns, 0u);
        EXPECT_GE(v.verification_us, 0);
        std::printf("%s: id %u, %u insns verified, %u after rewrites, %lld us\n", v.name.c_str(), v.id,
                    v.verified_insns, v.xlated_insns, static_cast<long long>(v.verification_us));
    }
}

// The shim's winbpf_verify map keeps each loaded program's id and verification time (entry i: the i-th loaded
// program) and is bound to every loaded program, so that `winbpf show programs` finds it among the program's maps.
TEST_F(ObjectLoad, VerificationMapHoldsEachProgram)
{
    Object object = Object::open_file(bpf_path("loader_test_monitor.o"));
    object.load();
    bpf_map *map = object.map(WINBPF_MAP_VERIFICATION);
    std::size_t programs = 0;
    bpf_program *program;
    bpf_object__for_each_program(program, object.raw())++ programs;
    EXPECT_EQ(bpf_map__max_entries(map), programs) << "sized to the object's programs";
    bpf_map_info map_info{};
    __u32 map_info_size = sizeof(map_info);
    ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_map__fd(map), &map_info, &map_info_size), 0);
    EXPECT_STREQ(map_info.name, WINBPF_MAP_VERIFICATION) << "the kernel keeps the whole name";

    const std::vector<winbpf::ProgramVerification> &verification = object.verification();
    ASSERT_FALSE(verification.empty());
    for (__u32 i = 0; i < bpf_map__max_entries(map); ++i) {
        winbpf_verification entry{};
        ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(map), &i, &entry), 0);
        if (i >= verification.size()) {
            EXPECT_EQ(entry.prog_id, 0u) << "entry " << i << " is past the loaded programs";
            continue;
        }
        SCOPED_TRACE(verification[i].name);
        EXPECT_EQ(entry.prog_id, verification[i].id);
        EXPECT_EQ(entry.verification_ns, static_cast<__u64>(verification[i].verification_us) * 1000);
        EXPECT_GT(entry.verification_ns, 0u);
    }
    bpf_object__for_each_program(program, object.raw())
    {
        if (bpf_program__fd(program) < 0)
            continue;
        SCOPED_TRACE(bpf_program__name(program));
        bpf_prog_info info{};
        __u32 size = sizeof(info);
        ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_program__fd(program), &info, &size), 0);
        std::vector<__u32> map_ids(info.nr_map_ids);
        bpf_prog_info again{};
        again.nr_map_ids = info.nr_map_ids;
        again.map_ids = reinterpret_cast<std::uintptr_t>(map_ids.data());
        size = sizeof(again);
        ASSERT_EQ(bpf_obj_get_info_by_fd(bpf_program__fd(program), &again, &size), 0);
        EXPECT_THAT(map_ids, testing::Contains(map_info.id)) << "winbpf_verify is among the program's maps";
    }
}

TEST_F(ObjectLoad, LoadPreparesTheShim)
{
    Object object = Object::open_file(bpf_path("loader_test_monitor.o"));
    object.load();
    EXPECT_THROW(object.load(), Error);

    bool group_dead = kernel_exit_has_group_dead();
    for (const winbpf::HookProgram &hook : object.hooks()) {
        EXPECT_TRUE(bpf_program__autoload(hook.entries[0]));
        EXPECT_GE(bpf_program__fd(hook.entries[0]), 0);
        EXPECT_EQ(bpf_program__autoload(hook.entries[1]), group_dead) << bpf_program__name(hook.entries[1]);
        EXPECT_EQ(bpf_program__autoload(hook.entries[2]), !group_dead) << bpf_program__name(hook.entries[2]);
    }
    EXPECT_EQ(bpf_map__max_entries(object.map(WINBPF_MAP_SCRATCH)), static_cast<__u32>(libbpf_num_possible_cpus()));

    __u32 zero = 0;
    winbpf_config config{};
    ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(object.map(WINBPF_MAP_CONFIG)), &zero, &config), 0);
    EXPECT_EQ(config.valid, 1u);
    std::int64_t expected = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
    EXPECT_LT(std::llabs(config.realtime_minus_boottime_ns - expected), 1'000'000'000LL);

    __u32 root = 0;
    winbpf_account account{};
    ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(object.map(WINBPF_MAP_ACCOUNTS)), &root, &account), 0);
    EXPECT_EQ(account.uid, 0u); // uid 0's home slot is 0
    ASSERT_EQ(account.length, 8u);
    const unsigned char expected_name[] = {'r', 0, 'o', 0, 'o', 0, 't', 0};
    EXPECT_EQ(std::memcmp(account.name, expected_name, sizeof(expected_name)), 0);

    EXPECT_EQ(object.lost_events(), 0u);
}

TEST_F(ObjectLoad, AttachedHandlersSeeCreateAndDelete)
{
    std::set<std::uint32_t> ids;
    {
        Object object = Object::open_file(bpf_path("loader_test_monitor.o"));
        object.load();
        ids = winbpf::test::program_ids(object);
        winbpf::Attachment attachment(object);
        // 2 handlers x (exec + one exit variant) + the fork tracker.
        EXPECT_EQ(attachment.links().size(), 5u);

        std::vector<TestEvent> events;
        winbpf::RingBufferConsumer consumer(object.map("loader_test_events"), [&](std::span<const std::byte> data) {
            TestEvent event{};
            EXPECT_EQ(data.size(), sizeof(event));
            std::memcpy(&event, data.data(), std::min(data.size(), sizeof(event)));
            events.push_back(event);
            return 0;
        });

        const winbpf::test::CommandResult shell = winbpf::test::run({"/bin/sh", "-c", "exit 3"});
        ASSERT_EQ(shell.exit_code(), 3) << winbpf::test::describe_status(shell.status);
        const pid_t child = shell.pid;

        auto seen = [&](std::uint32_t handler, std::uint32_t operation) {
            for (const TestEvent &e : events)
                if (e.handler == handler && e.process_id == static_cast<std::uint32_t>(child) &&
                    e.operation == operation)
                    return &e;
            return static_cast<const TestEvent *>(nullptr);
        };
        winbpf::test::poll_until(
            consumer, [&] { return seen(1, 0) && seen(1, 1) && seen(2, 0) && seen(2, 1); }, std::chrono::seconds(10));
        ASSERT_NE(seen(1, 0), nullptr) << "no CREATE of " << child << " from LoaderTestMonitor";
        ASSERT_NE(seen(2, 0), nullptr) << "no CREATE of " << child << " from LoaderTestSecond";
        ASSERT_NE(seen(1, 1), nullptr) << "no DELETE of " << child << " from LoaderTestMonitor";
        ASSERT_NE(seen(2, 1), nullptr) << "no DELETE of " << child << " from LoaderTestSecond";
        EXPECT_EQ(seen(1, 1)->exit_code, 3u);
        EXPECT_EQ(seen(2, 1)->exit_code, 3u);
        EXPECT_EQ(object.lost_events(), 0u);
    }
    EXPECT_TRUE(winbpf::test::wait_until_freed(ids, std::chrono::seconds(5)))
        << "programs stayed loaded after Attachment and Object were destroyed";
}

TEST_F(ObjectLoad, CallbackCanStopADrain)
{
    Object object = Object::open_file(bpf_path("loader_test_monitor.o"));
    object.load();
    winbpf::Attachment attachment(object);
    int calls = 0;
    winbpf::RingBufferConsumer consumer(object.map("loader_test_events"), [&](std::span<const std::byte>) {
        ++calls;
        return 1; // stop after each record
    });
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(winbpf::test::run({"/bin/sh", "-c", "exit 0"}).exit_code(), 0);
    // At least 12 records are queued (3 processes x 2 handlers x CREATE + DELETE): each poll takes exactly one.
    EXPECT_EQ(consumer.poll(std::chrono::milliseconds(100)), 1);
    EXPECT_EQ(consumer.poll(std::chrono::milliseconds(100)), 1);
    EXPECT_EQ(calls, 2);
}

// SPDX-License-Identifier: MIT
// Issue 10 item 3: a BPF_MAP_TYPE_PERF_EVENT_ARRAY declared as on Windows (type and max_entries in bytes only) and
// bpf_perf_event_output(ctx, &map, EBPF_MAP_FLAG_CURRENT_CPU, data, size) with ctx the Windows context, from every
// hook: records read back through libbpf's perf buffer (as the loader's users do) and through `bpftool map event_pipe`.
#include "compat_fixture.hpp"
#include "perf_every_hook.h"

#include "support/bpftool.hpp"
#include "support/cgroup.hpp"
#include "support/perf_reader.hpp"
#include "support/socket.hpp"
#include "winbpf/attachment.hpp"

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>

namespace compat_test
{
namespace
{

using namespace winbpf::test;
using namespace std::chrono_literals;

/// The records of hook in reader's samples so far.
std::vector<perf_every_hook_record> records_of(const PerfReader &reader, perf_every_hook_kind hook)
{
    std::vector<perf_every_hook_record> found;
    for (const auto &sample : reader.samples()) {
        if (sample.size() < sizeof(perf_every_hook_record))
            continue;
        const auto record = value_as<perf_every_hook_record>(sample);
        if (record.magic == PERF_EVERY_HOOK_MAGIC && record.hook == static_cast<std::uint64_t>(hook))
            found.push_back(record);
    }
    return found;
}

/// The loader sized the Windows-declared array for Linux and said so.
void expect_perf_array_adapted(const winbpf::Object &object)
{
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'perf_events'", "read as a buffer size in bytes"));
    EXPECT_TRUE(has_adaptation(object.adaptations(), "'perf_events'", "4-byte CPU index"));
    bpf_map *map = object.map("perf_events");
    EXPECT_EQ(bpf_map__max_entries(map), static_cast<__u32>(libbpf_num_possible_cpus()));
    EXPECT_EQ(bpf_map__key_size(map), 4u);
    EXPECT_EQ(bpf_map__value_size(map), 4u);
}

/// Sends one UDP datagram with payload to 127.0.0.1:port, where nothing listens (the kernel drops it: NO_SOCKET).
void send_dropped_datagram(std::uint16_t port, const std::uint8_t (&payload)[PERF_EVERY_HOOK_PAYLOAD])
{
    Socket sender(Family::v4, Protocol::udp);
    const sockaddr_in to = loopback_v4(port);
    ASSERT_EQ(::sendto(sender.fd(), payload, sizeof(payload), 0, reinterpret_cast<const sockaddr *>(&to), sizeof(to)),
              static_cast<ssize_t>(sizeof(payload)))
        << "sendto: " << errno;
}

class PerfEveryHookTest : public CompatTest
{
};

TEST_F(PerfEveryHookTest, ProcessHandlerOutputsCreateAndDelete)
{
    winbpf::Object &object = open("perf_every_hook_process");
    expect_perf_array_adapted(object);
    object.load();
    winbpf::Attachment attachment(object);
    PerfReader reader(object.map("perf_events"));
    pid_t target = 0;
    run_target_process([&](pid_t pid) {
        target = pid;
        std::uint32_t zero = 0;
        std::uint64_t value = static_cast<std::uint64_t>(pid);
        update(object.map("target"), &zero, &value);
    });
    ASSERT_TRUE(reader.poll_until([&] { return records_of(reader, PERF_HOOK_PROCESS).size() >= 2; }, 5s))
        << records_of(reader, PERF_HOOK_PROCESS).size() << " records, " << reader.lost() << " lost";
    const auto records = records_of(reader, PERF_HOOK_PROCESS);
    EXPECT_EQ(records.at(0).process_id, static_cast<std::uint64_t>(target));
    EXPECT_EQ(records.at(0).detail, 0u) << "CREATE first";
    EXPECT_EQ(records.at(1).detail, 1u) << "then DELETE";
}

TEST_F(PerfEveryHookTest, BindHandlerOutputsTheBind)
{
    winbpf::Object &object = open("perf_every_hook_bind");
    expect_perf_array_adapted(object);
    object.load();
    TestCgroup cgroup;
    winbpf::Attachment attachment(object, {.cgroup = cgroup.path().string(), .capture = {}});
    PerfReader reader(object.map("perf_events"));
    std::uint32_t zero = 0;
    std::uint64_t self = static_cast<std::uint64_t>(::getpid());
    update(object.map("target"), &zero, &self);
    const std::uint16_t port = free_port(Family::v4, Protocol::udp);
    cgroup.enter();
    {
        Socket socket(Family::v4, Protocol::udp);
        EXPECT_EQ(socket.bind(port), 0);
    }
    cgroup.leave();
    ASSERT_TRUE(reader.poll_until([&] { return !records_of(reader, PERF_HOOK_BIND).empty(); }, 5s))
        << reader.lost() << " lost";
    const auto record = records_of(reader, PERF_HOOK_BIND).at(0);
    EXPECT_EQ(record.process_id, self);
    EXPECT_EQ(record.detail, port);
}

TEST_F(PerfEveryHookTest, NeteventHandlerOutputsTheDrop)
{
    winbpf::Object &object = open("perf_every_hook_netevent");
    expect_perf_array_adapted(object);
    object.load();
    winbpf::Attachment attachment(object, {.cgroup = {}, .capture = winbpf::CaptureType::drop});
    PerfReader reader(object.map("perf_events"));
    std::uint8_t payload[PERF_EVERY_HOOK_PAYLOAD];
    std::snprintf(reinterpret_cast<char *>(payload), sizeof(payload), "winbpf-%08x", static_cast<unsigned>(::getpid()));
    auto seen = [&] {
        for (const auto &record : records_of(reader, PERF_HOOK_NETEVENT))
            if (std::memcmp(record.payload, payload, sizeof(payload)) == 0 && record.detail == 100)
                return true;
        return false;
    };
    send_dropped_datagram(free_port(Family::v4, Protocol::udp), payload);
    EXPECT_TRUE(reader.poll_until(seen, 5s))
        << records_of(reader, PERF_HOOK_NETEVENT).size() << " other drops, " << reader.lost() << " lost";
}

// bpftool reads the same array (one perf buffer per CPU slot, as the loader sized it) while the process program runs.
TEST_F(PerfEveryHookTest, BpftoolEventPipeReadsTheRecords)
{
    winbpf::Object &object = open("perf_every_hook_process");
    object.load();
    winbpf::Attachment attachment(object);
    Child pipe =
        Child::spawn({bpftool_path(), "map", "event_pipe", "id", std::to_string(map_id(object.map("perf_events")))},
                     Output::capture);
    // The magic as bpftool's hex dump shows the record's first bytes (little-endian u64).
    std::string magic_hex;
    for (int i = 0; i < 8; ++i) {
        char byte[4];
        std::snprintf(byte, sizeof(byte), "%02x ", static_cast<unsigned>((PERF_EVERY_HOOK_MAGIC >> (8 * i)) & 0xff));
        magic_hex += byte;
    }
    magic_hex.pop_back();
    bool found = false;
    // bpftool opens its buffers at some point after it starts: processes run until one of their records shows.
    for (int attempt = 0; attempt < 20 && !found; ++attempt) {
        run_target_process([&](pid_t pid) {
            std::uint32_t zero = 0;
            std::uint64_t value = static_cast<std::uint64_t>(pid);
            update(object.map("target"), &zero, &value);
        });
        found = pipe.read_until([&] { return pipe.out().find(magic_hex) != std::string::npos; }, 500ms);
    }
    EXPECT_TRUE(found) << "bpftool map event_pipe printed:\n" << pipe.out() << pipe.err();
    pipe.signal(SIGINT);
}

} // namespace
} // namespace compat_test

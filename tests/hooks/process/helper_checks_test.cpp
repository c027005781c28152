// SPDX-License-Identifier: MIT
// docs/compatibility.md, Helpers: every Windows-only general helper (and the Linux ones a Windows program uses:
// perf_event_output with EBPF_MAP_FLAG_CURRENT_CPU, queue push/pop/peek, printk) run inside a process hook program on a
// real CREATE.
#include "helper_checks.h"
#include "helper_checks_expect.hpp"
#include "recorder.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/perf_reader.hpp"
#include "winbpf/attachment.hpp"
#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>
#include <unistd.h>

namespace process_test
{

using namespace winbpf::test;
using namespace std::chrono_literals;
namespace
{

std::uint64_t clock_ns(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::string read_text(const std::string &path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// Field 22 of /proc/PID/stat: start time since boot in clock ticks.
std::uint64_t proc_start_ticks(pid_t pid)
{
    const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 22; ++i)
        fields >> field;
    return std::stoull(field);
}

void map_write(bpf_map *map, std::uint32_t key, const void *value)
{
    if (bpf_map_update_elem(bpf_map__fd(map), &key, value, BPF_ANY) != 0)
        throw winbpf::Error(std::string("writing map ") + bpf_map__name(map), errno);
}

void map_read(bpf_map *map, std::uint32_t key, void *value)
{
    if (bpf_map_lookup_elem(bpf_map__fd(map), &key, value) != 0)
        throw winbpf::Error(std::string("reading map ") + bpf_map__name(map), errno);
}

class HelperChecksTest : public KernelTest
{
  protected:
    void SetUp() override
    {
        KernelTest::SetUp();
        if (HasFatalFailure())
            return;
        object_.emplace(winbpf::Object::open_file(bpf_object_path("helper_checks")));
        object_->load();
        std::vector<std::uint8_t> big(HELPER_BIG_SIZE, 0xFF);
        map_write(object_->map("helper_big"), 0, big.data());
        std::fill(big.begin(), big.end(), 0x11);
        map_write(object_->map("helper_big"), 1, big.data());
        config_.magic = std::random_device()() | (std::uint64_t{1} << 40);
        map_write(object_->map("helper_config"), 0, &config_);
    }

    /// Unloads before the base class checks that no program of the test is left.
    void TearDown() override
    {
        object_.reset();
        KernelTest::TearDown();
    }

    std::optional<winbpf::Object> object_;
    helper_config config_{0, 8, 32, 16, 0};
};

TEST_F(HelperChecksTest, EveryGeneralHelperBehaves)
{
    winbpf::Attachment attachment(*object_);
    PerfReader perf(object_->map("helper_perf"));

    Child child = Child::fork_gated({test_child_path(), "exit", "0"});
    config_.target_pid = static_cast<std::uint32_t>(child.pid());
    map_write(object_->map("helper_config"), 0, &config_);
    const std::uint64_t start_ticks = proc_start_ticks(child.pid());
    const std::string session = read_text("/proc/" + std::to_string(child.pid()) + "/sessionid");
    const std::uint64_t mono_before = clock_ns(CLOCK_MONOTONIC), boot_before = clock_ns(CLOCK_BOOTTIME);
    child.release();
    const auto status = child.wait(10s);
    const std::uint64_t mono_after = clock_ns(CLOCK_MONOTONIC), boot_after = clock_ns(CLOCK_BOOTTIME);
    ASSERT_TRUE(exited_with(status, 0)) << describe_status(status);

    helper_results r{};
    map_read(object_->map("helper_results"), 0, &r);
    ASSERT_EQ(r.done, 1u) << "HelperChecks did not run on the CREATE of pid " << child.pid();
    EXPECT_EQ(r.process_id, static_cast<std::uint64_t>(child.pid()));

    std::vector<std::uint8_t> zeroed(HELPER_BIG_SIZE), filled(HELPER_BIG_SIZE);
    map_read(object_->map("helper_big"), 0, zeroed.data());
    map_read(object_->map("helper_big"), 1, filled.data());
    helper_checks::expect_windows_results(r, zeroed, filled);
    EXPECT_EQ(std::vector<std::uint8_t>(r.memcpy_ok_dst + 8, r.memcpy_ok_dst + 16), std::vector<std::uint8_t>(8, 0));

    // bpf_ktime_get_ms / bpf_ktime_get_boot_ms: milliseconds of the same clocks as the _ns helpers
    EXPECT_GE(r.ktime_ms, mono_before / 1'000'000);
    EXPECT_LE(r.ktime_ms, mono_after / 1'000'000);
    EXPECT_GE(r.boot_ms, r.boot_ns / 1'000'000);
    EXPECT_LE(r.boot_ms, r.boot_ns / 1'000'000 + 5);
    EXPECT_GE(r.boot_ms, boot_before / 1'000'000);
    EXPECT_LE(r.boot_ms, boot_after / 1'000'000);

    // bpf_get_current_logon_id: the audit session id (0 when the task has none); bpf_is_current_admin: root
    const std::uint64_t session_id = std::stoull(session);
    EXPECT_EQ(r.logon_id, session_id == 4294967295u ? 0u : session_id) << "/proc/PID/sessionid " << session;

    // bpf_get_current_process_start_key: tgid in the low 22 bits, start time (10 us units) above; stable
    const double key_start_s = static_cast<double>(r.start_key >> 22) * 10e-6;
    const double stat_start_s = static_cast<double>(start_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
    EXPECT_NEAR(key_start_s, stat_start_s, 2.0 / static_cast<double>(sysconf(_SC_CLK_TCK)) + 0.001);

    // bpf_get_current_thread_create_time: the exec'ing thread is the main thread: its creation is the process's
    EXPECT_EQ(r.thread_create_time, r.creation_time);

    // bpf_perf_event_output(ctx, &map, EBPF_MAP_FLAG_CURRENT_CPU, data, size)
    auto has_sample = [&] {
        for (const auto &sample : perf.samples()) {
            helper_perf_sample s{};
            if (sample.size() >= sizeof(s)) {
                std::memcpy(&s, sample.data(), sizeof(s));
                if (s.magic == config_.magic && s.process_id == static_cast<std::uint64_t>(child.pid()))
                    return true;
            }
        }
        return false;
    };
    EXPECT_TRUE(perf.poll_until(has_sample, 5s))
        << perf.samples().size() << " other samples, " << perf.lost() << " lost";

    // The queue map: 33 is left for userspace
    std::uint64_t left = 0;
    const int queue_fd = bpf_map__fd(object_->map("helper_queue"));
    EXPECT_EQ(bpf_map_lookup_and_delete_elem(queue_fd, nullptr, &left), 0);
    EXPECT_EQ(left, 33u);
    EXPECT_NE(bpf_map_lookup_and_delete_elem(queue_fd, nullptr, &left), 0) << "queue should be empty";
}

TEST_F(HelperChecksTest, RunsOnlyForTheConfiguredProcess)
{
    winbpf::Attachment attachment(*object_);
    Child other = Child::spawn({test_child_path(), "exit", "0"});
    ASSERT_TRUE(exited_with(other.wait(10s), 0));
    helper_results r{};
    map_read(object_->map("helper_results"), 0, &r);
    EXPECT_EQ(r.done, 0u) << "ran for pid " << r.process_id << " with no target configured";
}

} // namespace
} // namespace process_test

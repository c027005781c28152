// SPDX-License-Identifier: MIT
// Issue 10 item 6: every general helper in every hook. tests/bpf/helper_checks_body.h (the process hook's
// checks, tests/hooks/process/helper_checks_test.cpp) runs here in a bind handler on a real bind and in a
// netevent_monitor handler on a real dropped datagram; the outcomes must be Windows' in each hook.
#include "compat_fixture.hpp"
#include "helper_checks.h"
#include "helper_checks_expect.hpp"

#include "support/cgroup.hpp"
#include "support/perf_reader.hpp"
#include "support/socket.hpp"
#include "support/wait.hpp"
#include "winbpf/attachment.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <random>

namespace compat_test
{
namespace
{

using namespace winbpf::test;
using namespace std::chrono_literals;

std::uint64_t clock_ms(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1'000'000;
}

/// The audit session id of this process as bpf_get_current_logon_id reports it (0 for none).
std::uint64_t own_logon_id()
{
    std::ifstream in("/proc/self/sessionid");
    std::uint64_t id = 0;
    in >> id;
    return id == 4294967295u ? 0 : id;
}

class HelpersEveryHookTest : public CompatTest
{
  protected:
    /// Opens and loads name, prepares the big map like the process test and writes the configuration.
    void load(const std::string &name)
    {
        winbpf::Object &object = open(name);
        object.load();
        std::vector<std::uint8_t> big(HELPER_BIG_SIZE, 0xFF);
        std::uint32_t zero = 0, one = 1;
        update(object.map("helper_big"), &zero, big.data());
        std::fill(big.begin(), big.end(), 0x11);
        update(object.map("helper_big"), &one, big.data());
        config_.magic = std::random_device()() | (std::uint64_t{1} << 40);
    }

    void write_config() { update(object_->map("helper_config"), &zero_, &config_); }

    helper_results results() { return value_as<helper_results>(lookup(object_->map("helper_results"), &zero_)); }

    /// What every hook must give (the same outcomes as tests/hooks/process/helper_checks_test.cpp checks), for a run by
    /// process pid between the two clock readings.
    void expect_windows_results(const helper_results &r, PerfReader &perf, std::uint64_t before_ms,
                                std::uint64_t after_ms)
    {
        std::uint32_t zero = 0, one = 1;
        helper_checks::expect_windows_results(r, lookup(object_->map("helper_big"), &zero),
                                              lookup(object_->map("helper_big"), &one));
        EXPECT_GE(r.boot_ms, before_ms);
        EXPECT_LE(r.boot_ms, after_ms);
        EXPECT_NE(r.thread_create_time, 0u);

        auto has_sample = [&] {
            for (const auto &sample : perf.samples())
                if (sample.size() >= sizeof(helper_perf_sample) &&
                    value_as<helper_perf_sample>(sample).magic == config_.magic &&
                    value_as<helper_perf_sample>(sample).process_id == r.process_id)
                    return true;
            return false;
        };
        EXPECT_TRUE(perf.poll_until(has_sample, 5s)) << perf.samples().size() << " other samples";
    }

    std::uint32_t zero_ = 0;
    helper_config config_{0, 8, 32, 16, 0};
};

TEST_F(HelpersEveryHookTest, BindHandlerGetsWindowsResults)
{
    load("helpers_bind");
    TestCgroup cgroup;
    winbpf::Attachment attachment(*object_, {.cgroup = cgroup.path().string(), .capture = {}});
    PerfReader perf(object_->map("helper_perf"));
    config_.target_pid = static_cast<std::uint32_t>(::getpid());
    write_config();
    const std::uint64_t before = clock_ms(CLOCK_BOOTTIME);
    cgroup.enter();
    {
        Socket socket(Family::v4, Protocol::tcp);
        EXPECT_EQ(socket.bind(0), 0) << "the handler permits";
    }
    cgroup.leave();
    const std::uint64_t after = clock_ms(CLOCK_BOOTTIME);
    const helper_results r = results();
    ASSERT_EQ(r.done, 1u) << "HelperChecksBind did not run on the test's bind";
    EXPECT_EQ(r.process_id, static_cast<std::uint64_t>(::getpid()));
    EXPECT_EQ(r.logon_id, own_logon_id());
    expect_windows_results(r, perf, before, after);
}

TEST_F(HelpersEveryHookTest, NeteventHandlerGetsWindowsResults)
{
    load("helpers_netevent");
    winbpf::Attachment attachment(*object_, {.cgroup = {}, .capture = winbpf::CaptureType::drop});
    PerfReader perf(object_->map("helper_perf"));
    write_config();
    const std::uint64_t before = clock_ms(CLOCK_BOOTTIME);
    {
        Socket sender(Family::v4, Protocol::udp);
        const sockaddr_in to = loopback_v4(free_port(Family::v4, Protocol::udp));
        ASSERT_EQ(::sendto(sender.fd(), &config_.magic, sizeof(config_.magic), 0,
                           reinterpret_cast<const sockaddr *>(&to), sizeof(to)),
                  static_cast<ssize_t>(sizeof(config_.magic)));
    }
    helper_results r{};
    winbpf::test::wait_until([&] { return (r = results()).done != 0; }, 5s);
    const std::uint64_t after = clock_ms(CLOCK_BOOTTIME);
    ASSERT_EQ(r.done, 1u) << "HelperChecksNetevent did not run on the dropped datagram";
    // The drop is handled in softirq context, normally on the sender's syscall (then current is this process).
    if (r.process_id == static_cast<std::uint64_t>(::getpid())) {
        EXPECT_EQ(r.logon_id, own_logon_id());
    }
    expect_windows_results(r, perf, before, after);
}

} // namespace
} // namespace compat_test

// SPDX-License-Identifier: MIT
// winbpf_bench measures each output sink (issue 22's leftover): --outputs file,gzip,nats adds a mode per sink beside
// the monitor's stdout, against a nats-server -js the bench starts on loopback, and reports each sink's tool CPU and
// added time with their losses; the bench removes its outputs' directory and stops the server when it ends.
#include "support/child.hpp"
#include "support/kernel_test.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

namespace
{

using namespace std::chrono_literals;

class BenchOutputsTest : public winbpf::test::KernelTest
{
};

/// The bench's output directories under /tmp now.
std::set<std::string> output_dirs()
{
    std::set<std::string> dirs;
    for (const auto &entry : std::filesystem::directory_iterator("/tmp"))
        if (entry.path().filename().string().starts_with("winbpf_bench_outputs."))
            dirs.insert(entry.path().string());
    return dirs;
}

TEST_F(BenchOutputsTest, EachSinkIsAModeWithItsCost)
{
    const std::set<std::string> before = output_dirs();
    const winbpf::test::CommandResult run =
        winbpf::test::run({WINBPF_BENCH_PATH, "drop", "-n", "2000", "--rounds", "1", "--tool-warmup", "0",
                           "--settle-ms", "300", "--no-reference", "--no-floor", "--outputs", "file,gzip,nats"},
                          5min);
    ASSERT_TRUE(run.status) << run.err;
    EXPECT_TRUE(WIFEXITED(*run.status) && WEXITSTATUS(*run.status) == 0) << run.out << run.err;
    for (const char *sink : {"file", "gzip", "nats"}) {
        // A row of the table, measured once (no bpf_stats twin: the programs are netevent_monitor's).
        EXPECT_NE(run.out.find(std::string("\nnetevent_monitor ") + sink + " "), std::string::npos) << run.out;
        EXPECT_EQ(run.out.find(std::string("netevent_monitor ") + sink + " +bpf_stats"), std::string::npos);
        const std::regex line(std::string("netevent_monitor output ") + sink +
                              R"(: tool CPU [0-9.]+ us per datagram, [-+][0-9.]+ us beyond stdout \(medians\); added )"
                              R"([-0-9.]+ us per datagram; lost 0\n)");
        EXPECT_TRUE(std::regex_search(run.out, line)) << sink << "\n" << run.out;
    }
    // Every event reached the sink: the monitor delivered all it received to the file and to NATS (acknowledged).
    EXPECT_EQ(run.err.find("PROBLEM"), std::string::npos) << run.err;
    EXPECT_EQ(output_dirs(), before) << "the bench left its outputs' directory";
    EXPECT_NE(winbpf::test::run({"/usr/bin/pgrep", "-f", "nats-server.*winbpf_bench_outputs[.]"}).status.value_or(0), 0)
        << "nats-server still runs";
}

} // namespace

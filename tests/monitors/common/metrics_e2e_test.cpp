// SPDX-License-Identifier: MIT
// End-to-end tests of --metrics (root): the built bind_monitor watching the test's own cgroup serves Prometheus
// metrics; curl scrapes them, promtool checks them, a real prometheus server started by the test scrapes them.
#include "support/cgroup.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/monitor_process.hpp"
#include "support/socket.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#ifndef BIND_MONITOR_PATH
#error BIND_MONITOR_PATH must name the built bind_monitor
#endif

namespace winbpf::monitor
{
namespace
{

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::Family;
using test::Protocol;

/// The body of GET url (curl; "" when it fails).
std::string http_get(const std::string &url)
{
    const auto result = test::run({"/usr/bin/curl", "-sS", "--max-time", "5", url}, 10s);
    return test::exited_with(result.status, 0) ? result.out : std::string();
}

/// The value of the sample of metric name whose labels include each of labels (k="v" texts); nullopt when none.
std::optional<double> sample(const std::string &text, const std::string &name, const std::vector<std::string> &labels)
{
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with(name + "{") && !line.starts_with(name + " "))
            continue;
        bool all = true;
        for (const auto &label : labels)
            all = all && line.find(label) != std::string::npos;
        if (all)
            return std::stod(line.substr(line.rfind(' ') + 1));
    }
    return std::nullopt;
}

/// Sum of every sample of metric name whose labels include each of labels.
double sum(const std::string &text, const std::string &name, const std::vector<std::string> &labels = {})
{
    double total = 0;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with(name + "{") && !line.starts_with(name + " "))
            continue;
        bool all = true;
        for (const auto &label : labels)
            all = all && line.find(label) != std::string::npos;
        if (all)
            total += std::stod(line.substr(line.rfind(' ') + 1));
    }
    return total;
}

/// bind_monitor watches a cgroup of the test's own: no other process's binds are counted.
class MetricsE2E : public test::KernelTest
{
  protected:
    /// Two sockets bound to loopback:0 from inside the cgroup, then closed: bind, post_bind, unbind of each (6
    /// events).
    void bind_twice()
    {
        cgroup.enter();
        {
            test::Socket a(Family::v4, Protocol::tcp), b(Family::v6, Protocol::udp);
            ASSERT_EQ(a.bind(0), 0);
            ASSERT_EQ(b.bind(0), 0);
        }
        cgroup.leave();
    }

    test::MonitorProcess start_monitor(std::uint16_t port)
    {
        return test::MonitorProcess({BIND_MONITOR_PATH, "--cgroup", cgroup.path().string(), "--json", "--drain-ms",
                                     "50", "--metrics", "127.0.0.1:" + std::to_string(port)});
    }

    test::TestCgroup cgroup;
};

TEST_F(MetricsE2E, ScrapePassesPromtoolAndEqualsWhatTheMonitorReportsOnExit)
{
    const std::uint16_t port = test::free_port(Family::v4, Protocol::tcp);
    auto monitor = start_monitor(port);
    ASSERT_TRUE(monitor.wait_ready());
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
    EXPECT_NE(monitor.err().find("bind_monitor: metrics on " + url + "\n"), std::string::npos) << monitor.err();

    bind_twice();
    ASSERT_TRUE(monitor.read_until([&] { return monitor.json_lines().size() >= 6; })) << monitor.out();
    std::string text;
    EXPECT_TRUE(test::wait_until(
        [&] {
            text = http_get(url);
            return sum(text, "winbpf_monitor_events_delivered_total") >= 6;
        },
        10s))
        << text;

    const test::TempDir dir;
    const fs::path scraped = dir.path() / "metrics.txt";
    std::ofstream(scraped) << text;
    const auto check = test::run({"/bin/sh", "-c", "promtool check metrics < " + scraped.string()}, 30s);
    EXPECT_TRUE(test::exited_with(check.status, 0)) << check.out << check.err << text;

    const std::string tool = R"(tool="bind_monitor")";
    EXPECT_EQ(sample(text, "winbpf_monitor_events_received_total", {tool, R"(type="bind")"}), 2.0) << text;
    EXPECT_EQ(sample(text, "winbpf_monitor_events_received_total", {tool, R"(type="post_bind")"}), 2.0) << text;
    EXPECT_EQ(sample(text, "winbpf_monitor_events_received_total", {tool, R"(type="unbind")"}), 2.0) << text;
    EXPECT_EQ(sample(text, "winbpf_monitor_events_delivered_total", {tool, R"(output="stdout")"}), 6.0) << text;
    EXPECT_EQ(
        sample(text, "winbpf_monitor_events_lost_total", {tool, R"(stage="bpf")", R"(reason="ring_buffer_full")"}), 0.0)
        << text;
    EXPECT_EQ(
        sample(text, "winbpf_monitor_events_lost_total", {tool, R"(stage="consumer")", R"(reason="malformed_record")"}),
        0.0)
        << text;
    EXPECT_EQ(sample(text, "winbpf_monitor_ring_buffer_size_bytes", {tool}), 16.0 * 1024 * 1024) << text;
    EXPECT_EQ(sample(text, "winbpf_monitor_build_info", {tool, "revision=\""}), 1.0) << text;
    const auto started = sample(text, "winbpf_monitor_start_time_seconds", {tool});
    ASSERT_TRUE(started) << text;
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_LT(now - *started, 120.0);
    EXPECT_GT(now, *started);
    const auto stats = sample(text, "winbpf_bpf_stats_enabled", {tool});
    ASSERT_TRUE(stats) << text;
    EXPECT_TRUE(sample(text, "winbpf_bpf_program_runs_total", {tool, "program=\""})) << "one per program: " << text;
    if (*stats == 1) {
        EXPECT_GE(sum(text, "winbpf_bpf_program_runs_total"), 6.0) << text;
    }
    for (const char *forbidden : {"pid=", "path=", "process_id="})
        EXPECT_EQ(text.find(forbidden), std::string::npos) << "unbounded label " << forbidden;

    const auto received = monitor.expect_clean_stop();
    ASSERT_TRUE(received);
    EXPECT_EQ(static_cast<double>(*received), sum(text, "winbpf_monitor_events_received_total"));
    EXPECT_EQ(static_cast<double>(*received),
              *sample(text, "winbpf_monitor_events_delivered_total", {R"(output="stdout")"}));
}

TEST_F(MetricsE2E, PrometheusServerScrapesTheMonitor)
{
    const std::uint16_t port = test::free_port(Family::v4, Protocol::tcp);
    auto monitor = start_monitor(port);
    ASSERT_TRUE(monitor.wait_ready());
    bind_twice();
    ASSERT_TRUE(monitor.read_until([&] { return monitor.json_lines().size() >= 6; })) << monitor.out();

    const test::TempDir dir;
    const fs::path config = dir.path() / "prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: winbpf\n"
                             "    static_configs:\n      - targets: ['127.0.0.1:"
                          << port << "']\n";
    const std::uint16_t web = test::free_port(Family::v4, Protocol::tcp);
    test::Child prometheus = test::Child::spawn({"/usr/bin/prometheus", "--config.file=" + config.string(),
                                                 "--storage.tsdb.path=" + (dir.path() / "data").string(),
                                                 "--web.listen-address=127.0.0.1:" + std::to_string(web)},
                                                test::Output::capture);
    const std::string api = "http://127.0.0.1:" + std::to_string(web) + "/api/v1/query?query=";
    /// The value of the first result of an instant query, nullopt while there is none.
    auto query = [&](const std::string &expression) -> std::optional<double> {
        const auto body = nlohmann::json::parse(http_get(api + expression), nullptr, false);
        if (body.is_discarded() || body.value("status", "") != "success" || body["data"]["result"].empty())
            return std::nullopt;
        return std::stod(body["data"]["result"][0]["value"][1].get<std::string>());
    };
    std::optional<double> up, delivered;
    EXPECT_TRUE(test::wait_until(
        [&] {
            up = query("up%7Bjob%3D%22winbpf%22%7D"); // up{job="winbpf"}
            delivered = query("winbpf_monitor_events_delivered_total%7Boutput%3D%22stdout%22%7D");
            return up == 1.0 && delivered == 6.0;
        },
        60s))
        << "up " << up.value_or(-1) << ", delivered " << delivered.value_or(-1) << "\n"
        << prometheus.err().substr(0, 4000);
    prometheus.signal(SIGTERM);
    EXPECT_TRUE(prometheus.wait(30s)) << "prometheus did not stop";
    EXPECT_EQ(monitor.expect_clean_stop(), 6u);
}

TEST_F(MetricsE2E, BadAddressOrBusyPortIsAClearErrorAtStart)
{
    const auto bad = test::run({BIND_MONITOR_PATH, "--metrics", "localhost:port"}, 30s);
    EXPECT_TRUE(test::exited_with(bad.status, 1)) << test::describe_status(bad.status);
    EXPECT_NE(bad.err.find("--metrics localhost:port: expected [ADDRESS:]PORT"), std::string::npos) << bad.err;

    const test::Socket busy = test::bound_loopback(Family::v4, Protocol::tcp);
    ASSERT_EQ(::listen(busy.fd(), 1), 0);
    const auto port = busy.local_port();
    const auto busy_run = test::run(
        {BIND_MONITOR_PATH, "--cgroup", cgroup.path().string(), "--metrics", "127.0.0.1:" + std::to_string(port)}, 60s);
    EXPECT_TRUE(test::exited_with(busy_run.status, 1)) << test::describe_status(busy_run.status) << busy_run.err;
    EXPECT_NE(busy_run.err.find("bind_monitor: metrics 127.0.0.1:" + std::to_string(port) + ": cannot listen"),
              std::string::npos)
        << busy_run.err;
}

} // namespace
} // namespace winbpf::monitor

// SPDX-License-Identifier: MIT
// End-to-end tests of --output nats://HOST:PORT/SUBJECT (root): the built process_monitor publishing real processes'
// events to a real `nats-server -js` on a loopback port (started and stopped by the test), read back from the stream
// by a test consumer (libnats pull subscription).
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "support/monitor_process.hpp"
#include "support/socket.hpp"
#include "support/temp_dir.hpp"
#include "support/wait.hpp"

#include <gtest/gtest.h>
#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#if !defined(PROCESS_MONITOR_PATH) || !defined(EXEC_GENERATOR_PATH)
#error PROCESS_MONITOR_PATH and EXEC_GENERATOR_PATH must name the built process_monitor and exec_generator
#endif

namespace winbpf::monitor
{
namespace
{

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// A `nats-server -js` on 127.0.0.1:port with its JetStream store in a directory of the test; stop() and start()
/// again keep port and store.
class NatsServer
{
  public:
    NatsServer() : port_(test::free_port(test::Family::v4, test::Protocol::tcp)) { start(); }
    ~NatsServer() { stop(); }

    void start()
    {
        server_.emplace(test::Child::spawn({"/usr/sbin/nats-server", "-js", "-a", "127.0.0.1", "-p",
                                            std::to_string(port_), "-sd", store_.path().string()},
                                           test::Output::capture));
        ASSERT_TRUE(
            server_->read_until([&] { return server_->err().find("Server is ready") != std::string::npos; }, 30s))
            << server_->err();
    }
    void stop()
    {
        if (!server_)
            return;
        server_->signal(SIGTERM);
        EXPECT_TRUE(server_->wait(30s)) << "nats-server did not stop";
        server_.reset();
    }
    std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

  private:
    std::uint16_t port_;
    test::TempDir store_;
    std::optional<test::Child> server_;
};

/// Every message of a stream's subject, read by a pull consumer of the test (JSON each).
std::vector<nlohmann::json> read_stream(const std::string &url, const std::string &subject)
{
    std::vector<nlohmann::json> messages;
    natsConnection *connection = nullptr;
    EXPECT_EQ(natsConnection_ConnectTo(&connection, url.c_str()), NATS_OK);
    if (connection == nullptr)
        return messages;
    std::unique_ptr<natsConnection, void (*)(natsConnection *)> owned_connection(connection, natsConnection_Destroy);
    jsCtx *context = nullptr;
    EXPECT_EQ(natsConnection_JetStream(&context, connection, nullptr), NATS_OK);
    std::unique_ptr<jsCtx, void (*)(jsCtx *)> owned_context(context, jsCtx_Destroy);
    natsSubscription *subscription = nullptr;
    jsErrCode code{};
    EXPECT_EQ(js_PullSubscribe(&subscription, context, subject.c_str(), nullptr, nullptr, nullptr, &code), NATS_OK)
        << code;
    if (subscription == nullptr)
        return messages;
    std::unique_ptr<natsSubscription, void (*)(natsSubscription *)> owned_subscription(subscription,
                                                                                       natsSubscription_Destroy);
    for (;;) {
        natsMsgList list{};
        const natsStatus s = natsSubscription_Fetch(&list, subscription, 1000, 2000, &code);
        if (s != NATS_OK)
            break; // NATS_TIMEOUT: nothing more
        for (int i = 0; i < list.Count; ++i) {
            const std::string data(natsMsg_GetData(list.Msgs[i]), natsMsg_GetDataLength(list.Msgs[i]));
            auto json = nlohmann::json::parse(data, nullptr, false);
            EXPECT_FALSE(json.is_discarded()) << data;
            messages.push_back(std::move(json));
            natsMsg_Ack(list.Msgs[i], nullptr);
        }
        natsMsgList_Destroy(&list);
    }
    return messages;
}

/// N of the first match of pattern's group 1 in text.
std::optional<unsigned long long> number(const std::string &text, const std::string &pattern)
{
    std::smatch match;
    if (!std::regex_search(text, match, std::regex(pattern)))
        return std::nullopt;
    return std::stoull(match[1]);
}

/// Events of messages whose image is image.
std::map<std::string, std::size_t> count_by_type(const std::vector<nlohmann::json> &messages, const std::string &image)
{
    std::map<std::string, std::size_t> counts;
    for (const auto &message : messages)
        if (message.value("image_path", "") == image)
            ++counts[message["type"].get<std::string>()];
    return counts;
}

/// A copy of /bin/true under a name of its own: the test's processes are the ones with this image.
class NatsOutputE2E : public test::KernelTest
{
  protected:
    NatsOutputE2E() : image((dir.path() / "nats-true").string())
    {
        fs::copy_file("/bin/true", image);
        fs::permissions(image, fs::perms::owner_all);
    }

    /// Runs count fork+execs of image (2 workers) to completion.
    void exec(unsigned count)
    {
        auto generator = test::run({EXEC_GENERATOR_PATH, image, std::to_string(count), "2"}, 300s);
        ASSERT_TRUE(test::exited_with(generator.status, 0)) << generator.err;
        EXPECT_TRUE(generator.out.starts_with(std::to_string(count) + " 0 ")) << generator.out;
    }

    test::TempDir dir;
    std::string image;
};

TEST_F(NatsOutputE2E, TwentyThousandEventsAckedAndReadBackFromTheStream)
{
    NatsServer server;
    const std::string sink = server.url() + "/winbpf.test.process";
    test::MonitorProcess monitor({PROCESS_MONITOR_PATH, "--output", sink, "--nats-stream", "TEST_PROCESS"});
    ASSERT_TRUE(monitor.wait_ready());
    EXPECT_NE(monitor.err().find("created stream TEST_PROCESS (file storage) for winbpf.test.process"),
              std::string::npos)
        << monitor.err();
    exec(10'000); // a create and a delete each
    const auto received = monitor.expect_clean_stop(600s);
    ASSERT_TRUE(received);
    const auto delivered = number(monitor.err(), "output " + sink + ": delivered ([0-9]+), lost 0\n");
    ASSERT_TRUE(delivered) << monitor.err();
    EXPECT_EQ(*delivered, *received) << "every event acknowledged";

    const auto messages = read_stream(server.url(), "winbpf.test.process");
    std::size_t events = 0;
    for (const auto &message : messages)
        events += message["type"] == "process_create" || message["type"] == "process_delete";
    EXPECT_EQ(events, *delivered) << "the stream holds each acknowledged event once (Nats-Msg-Id)";
    const auto mine = count_by_type(messages, image);
    EXPECT_EQ(mine.at("process_create"), 10'000u);
    EXPECT_EQ(mine.at("process_delete"), 10'000u);
}

TEST_F(NatsOutputE2E, ServerStoppedMidRunThenBackDeliversWhatTheBufferHeld)
{
    NatsServer server;
    const std::string subject = "winbpf.test.restart";
    const std::string sink = server.url() + "/" + subject;
    test::MonitorProcess monitor({PROCESS_MONITOR_PATH, "--output", sink, "--output-buffer", "1000000"});
    ASSERT_TRUE(monitor.wait_ready());
    exec(500);
    server.stop();
    EXPECT_TRUE(monitor.read_until([&] { return monitor.err().find("disconnected") != std::string::npos; }, 20s))
        << monitor.err();
    exec(1000); // while the server is away: buffered
    server.start();
    EXPECT_TRUE(monitor.read_until([&] { return monitor.err().find("reconnected") != std::string::npos; }, 30s))
        << monitor.err();
    exec(500);
    const auto received = monitor.expect_clean_stop(120s);
    ASSERT_TRUE(received);
    const auto delivered = number(monitor.err(), "output " + sink + ": delivered ([0-9]+), lost [0-9]+\n");
    const auto lost = number(monitor.err(), "output " + sink + ": delivered [0-9]+, lost ([0-9]+)\n");
    ASSERT_TRUE(delivered && lost) << monitor.err();
    EXPECT_EQ(*delivered + *lost, *received) << monitor.err();
    EXPECT_EQ(*lost, 0u) << "the buffer held everything";

    const auto mine = count_by_type(read_stream(server.url(), subject), image);
    EXPECT_EQ(mine.at("process_create"), 2000u);
    EXPECT_EQ(mine.at("process_delete"), 2000u);
}

TEST_F(NatsOutputE2E, FullBufferWhileTheServerIsAwayIsALossRecordInBandAndInMetrics)
{
    NatsServer server;
    const std::string subject = "winbpf.test.stalled";
    const std::string sink = server.url() + "/" + subject;
    const std::uint16_t metrics_port = test::free_port(test::Family::v4, test::Protocol::tcp);
    test::MonitorProcess monitor(
        {PROCESS_MONITOR_PATH, "--output", sink, "--output-buffer", "100", "--metrics", std::to_string(metrics_port)});
    ASSERT_TRUE(monitor.wait_ready());
    server.stop(); // a stalled output: nothing is acknowledged
    EXPECT_TRUE(monitor.read_until([&] { return monitor.err().find("disconnected") != std::string::npos; }, 20s));
    exec(300); // 600 events into a buffer of 100
    std::string metrics;
    const std::string lost_series = R"(winbpf_monitor_events_lost_total{output=")" + sink +
                                    R"(",reason="buffer_full",stage="output",tool="process_monitor"} )";
    EXPECT_TRUE(test::wait_until(
        [&] {
            const auto got = test::run(
                {"/usr/bin/curl", "-sS", "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"}, 10s);
            metrics = got.out;
            const auto at = metrics.find(lost_series);
            return at != std::string::npos && std::stod(metrics.substr(at + lost_series.size())) >= 500;
        },
        20s))
        << metrics;
    server.start();
    EXPECT_TRUE(monitor.read_until([&] { return monitor.err().find("reconnected") != std::string::npos; }, 30s));
    exec(10);
    const auto received = monitor.expect_clean_stop(120s);
    ASSERT_TRUE(received);
    const auto delivered = number(monitor.err(), "output " + sink + ": delivered ([0-9]+), lost [0-9]+\n");
    const auto lost = number(monitor.err(), "output " + sink + ": delivered [0-9]+, lost ([0-9]+)\n");
    ASSERT_TRUE(delivered && lost) << monitor.err();
    EXPECT_EQ(*delivered + *lost, *received) << monitor.err();
    EXPECT_GE(*lost, 500u);

    const auto messages = read_stream(server.url(), subject);
    std::uint64_t in_band = 0, last_total = 0, events = 0;
    for (const auto &message : messages) {
        if (message["type"] == "loss") {
            EXPECT_EQ(message["stage"], "output");
            EXPECT_EQ(message["reason"], "buffer_full");
            EXPECT_EQ(message["output"], sink);
            in_band += message["count"].get<std::uint64_t>();
            last_total = message["total"].get<std::uint64_t>();
        } else if (message["type"] == "process_create" || message["type"] == "process_delete") {
            ++events;
        }
    }
    EXPECT_EQ(in_band, *lost) << "the loss records in the stream count every event lost";
    EXPECT_EQ(last_total, *lost);
    EXPECT_EQ(events, *delivered);
}

TEST_F(NatsOutputE2E, WrongAddressOrSubjectIsAClearErrorAtStart)
{
    const auto port = test::free_port(test::Family::v4, test::Protocol::tcp); // nothing listens there
    const std::string nowhere = "nats://127.0.0.1:" + std::to_string(port) + "/winbpf.test";
    const auto refused = test::run({PROCESS_MONITOR_PATH, "--output", nowhere}, 60s);
    EXPECT_TRUE(test::exited_with(refused.status, 1)) << test::describe_status(refused.status);
    EXPECT_NE(refused.err.find("process_monitor: output " + nowhere +
                               ": cannot connect to nats://127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << refused.err;

    for (const char *subject : {"a..b", "a.*", "has space", ""}) {
        const std::string bad = "nats://127.0.0.1:4222/" + std::string(subject);
        const auto result = test::run({PROCESS_MONITOR_PATH, "--output", bad}, 60s);
        EXPECT_TRUE(test::exited_with(result.status, 1)) << subject << ": " << test::describe_status(result.status);
        EXPECT_NE(result.err.find("is not a NATS subject"), std::string::npos) << subject << ": " << result.err;
    }
}

} // namespace
} // namespace winbpf::monitor

// SPDX-License-Identifier: MIT
#include "support/monitor_process.hpp"

#include <csignal>
#include <filesystem>
#include <regex>

namespace winbpf::test
{

std::vector<nlohmann::json> json_lines(const std::string &out, const std::function<bool(const nlohmann::json &)> &match)
{
    std::vector<nlohmann::json> found;
    std::size_t start = 0;
    for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string text = out.substr(start, end - start);
        const auto line = nlohmann::json::parse(text, nullptr, false);
        EXPECT_FALSE(line.is_discarded()) << "invalid JSON line: " << text;
        if (!line.is_discarded() && (!match || match(line)))
            found.push_back(line);
    }
    return found;
}

MonitorProcess::MonitorProcess(const std::vector<std::string> &argv)
    : tool_(std::filesystem::path(argv.at(0)).filename().string()), child_(Child::spawn(argv, Output::capture))
{
}

::testing::AssertionResult MonitorProcess::wait_ready(std::chrono::milliseconds timeout)
{
    if (child_.read_until([&] { return child_.err().find("Press Ctrl-C to stop\n") != std::string::npos; }, timeout))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << tool_ << " did not get ready; stderr:\n" << child_.err();
}

bool MonitorProcess::read_until(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    return child_.read_until(done, timeout);
}

std::vector<nlohmann::json> MonitorProcess::json_lines(const std::function<bool(const nlohmann::json &)> &match) const
{
    return test::json_lines(child_.out(), match);
}

std::optional<int> MonitorProcess::stop(std::chrono::milliseconds timeout, int signal)
{
    child_.signal(signal);
    return child_.wait(timeout);
}

std::optional<unsigned long long> MonitorProcess::expect_clean_stop(std::chrono::milliseconds timeout)
{
    const auto status = stop(timeout);
    EXPECT_TRUE(status.has_value()) << tool_ << " did not stop on SIGINT";
    EXPECT_TRUE(exited_with(status, 0)) << describe_status(status) << "\n" << child_.err();
    std::smatch match;
    if (!std::regex_search(child_.err(), match, std::regex(tool_ + ": received ([0-9]+), lost 0\n"))) {
        ADD_FAILURE() << "no \"" << tool_ << ": received N, lost 0\" line; stderr:\n" << child_.err();
        return std::nullopt;
    }
    const unsigned long long received = std::stoull(match[1]);
    EXPECT_GT(received, 0u) << child_.err();
    EXPECT_EQ(child_.err().find("lost 0 events"), std::string::npos) << child_.err();
    return received;
}

} // namespace winbpf::test

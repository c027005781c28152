// SPDX-License-Identifier: MIT
#include "monitor_tool.hpp"

#include "report.hpp"
#include "runner.hpp"

#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace winbpf::bench
{

void MonitorTool::add_options(CLI::App &app)
{
    path_ = sibling_path(name_);
    const std::map<std::string, bool> formats{{"json", true}, {"human", false}};
    app.add_option("--monitor", path_, name_ + " binary (default: next to winbpf_bench)");
    app.add_flag("--no-monitor", skip_, "Skip the " + name_ + " mode (bare runs only)");
    app.add_option("--format", json_, name_ + "'s output: json (--json) or human")
        ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
    app.add_option("--drain-ms", drain_ms_, "Passed to " + name_ + " as --drain-ms (default: none, its own default)");
    app.add_option("--outputs", outputs_,
                   "Also measure " + name_ +
                       " with each of these outputs (comma-separated): file (rotated at 10 MB), gzip (the same, "
                       "rotated files gzip-compressed), nats (acknowledged, to a nats-server -js the bench starts on "
                       "loopback)")
        ->delimiter(',')
        ->check(CLI::IsMember({"file", "gzip", "nats"}));
    for (std::size_t i = 0; i < peers_.size(); ++i) {
        const PeerTool &peer = peers_[i];
        peer_options_[i].path = sibling_path(peer.name);
        app.add_option("--" + peer.option, peer_options_[i].path,
                       peer.name + " binary (" + peer.what + "; default: next to winbpf_bench)");
        app.add_flag("--no-" + peer.option, peer_options_[i].skip, "Skip the " + peer.name + " mode");
    }
}

namespace
{

constexpr const char *nats_server_path = "/usr/sbin/nats-server";

/// A TCP port on 127.0.0.1 that nothing listens on now (bound to port 0, read, closed).
std::uint16_t free_loopback_port()
{
    const UniqueFd probe(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (!probe || ::bind(probe.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0 ||
        ::getsockname(probe.get(), reinterpret_cast<sockaddr *>(&address), &size) != 0)
        throw std::system_error(errno, std::generic_category(), "finding a free port on 127.0.0.1 for nats-server");
    return ntohs(address.sin_port);
}

/// True once something accepts connections on 127.0.0.1:port.
bool accepts(std::uint16_t port)
{
    const UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return client && ::connect(client.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0;
}

bool has(const std::vector<std::string> &outputs, const char *sink)
{
    return std::ranges::find(outputs, sink) != outputs.end();
}

} // namespace

std::vector<std::string> MonitorTool::check() const
{
    std::vector<std::string> missing;
    if (!skip_ && access(path_.c_str(), X_OK) != 0)
        missing.push_back(path_ + " is not executable (set --monitor PATH, or skip it with --no-monitor)");
    if (!outputs_.empty() && skip_)
        missing.push_back("--outputs measures " + name_ + ": drop --no-monitor");
    if (has(outputs_, "nats") && access(nats_server_path, X_OK) != 0)
        missing.push_back(std::string(nats_server_path) +
                          " is not executable (Debian: apt-get install nats-server), needed by --outputs nats");
    for (std::size_t i = 0; i < peers_.size(); ++i)
        if (!peer_options_[i].skip && access(peer_options_[i].path.c_str(), X_OK) != 0)
            missing.push_back(peer_options_[i].path + " is not executable (set --" + peers_[i].option +
                              " PATH, or skip it with --no-" + peers_[i].option + ")");
    return missing;
}

std::vector<ToolSpec> MonitorTool::tools(const std::vector<std::string> &args,
                                         const std::vector<std::string> &peer_args) const
{
    std::vector<ToolSpec> tools;
    if (!skip_) {
        std::vector<std::string> argv{path_};
        argv.insert(argv.end(), args.begin(), args.end());
        if (json_)
            argv.emplace_back("--json");
        if (drain_ms_ > 0)
            argv.insert(argv.end(), {"--drain-ms", std::to_string(drain_ms_)});
        tools.push_back({name_, argv, "Press Ctrl-C to stop", "", true});
        for (const std::string &sink : outputs_) {
            std::vector<std::string> with_output = argv;
            if (sink == "nats")
                with_output.insert(with_output.end(),
                                   {"--output", "nats://127.0.0.1:" + std::to_string(nats_port_) + "/winbpf.bench"});
            else
                with_output.insert(with_output.end(), {"--output", "file:" + output_dir_ + "/events.json",
                                                       "--output-max-size", "10", "--output-max-files", "1"});
            if (sink == "gzip")
                with_output.emplace_back("--output-gzip");
            ToolSpec spec{name_ + " " + sink, with_output, "Press Ctrl-C to stop", "", true};
            spec.bpf_stats_twin = false;
            tools.push_back(std::move(spec));
        }
    }
    for (std::size_t i = 0; i < peers_.size(); ++i) {
        if (peer_options_[i].skip)
            continue;
        std::vector<std::string> argv{peer_options_[i].path};
        argv.insert(argv.end(), peers_[i].args.begin(), peers_[i].args.end());
        argv.insert(argv.end(), peer_args.begin(), peer_args.end());
        tools.push_back({peers_[i].name, argv, "Press Ctrl-C to stop", "", true});
    }
    return tools;
}

void MonitorTool::prepare()
{
    if (outputs_.empty())
        return;
    char dir[] = "/tmp/winbpf_bench_outputs.XXXXXX";
    if (!::mkdtemp(dir))
        throw std::system_error(errno, std::generic_category(), "creating a directory for the outputs under /tmp");
    output_dir_ = dir;
    if (!has(outputs_, "nats"))
        return;
    nats_port_ = free_loopback_port();
    nats_server_.emplace(ChildProcess::spawn(
        {nats_server_path, "-js", "-a", "127.0.0.1", "-p", std::to_string(nats_port_), "-sd", output_dir_ + "/nats"},
        StdFds{}));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!accepts(nats_port_)) {
        if (!nats_server_->running() || std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("nats-server did not listen on 127.0.0.1:" + std::to_string(nats_port_) +
                                     " within 10 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void MonitorTool::cleanup() noexcept
{
    if (nats_server_) {
        nats_server_->signal(SIGTERM);
        if (!nats_server_->wait_for(std::chrono::seconds(10)))
            nats_server_->signal(SIGKILL);
        nats_server_.reset(); // reaps it (SIGKILL if still running)
    }
    if (!output_dir_.empty()) {
        std::error_code error;
        std::filesystem::remove_all(output_dir_, error);
        if (error)
            std::fprintf(stderr, "winbpf_bench: removing %s: %s\n", output_dir_.c_str(), error.message().c_str());
        output_dir_.clear();
    }
}

void MonitorTool::print_output_lines(const Summaries &summaries, const std::string &unit, std::FILE *out) const
{
    const ModeSummary *plain = summaries.find(name_);
    for (const std::string &sink : outputs_) {
        const ModeSummary *mode = summaries.find(name_ + " " + sink);
        if (!mode || !mode->tool_us)
            continue;
        std::fprintf(out, "%s output %s: tool CPU %.3f us per %s%s", name_.c_str(), sink.c_str(), mode->tool_us->median,
                     unit.c_str(), format_ci(*mode->tool_us).c_str());
        if (plain && plain->tool_us)
            std::fprintf(out, ", %+.3f us beyond stdout (medians)", mode->tool_us->median - plain->tool_us->median);
        if (mode->added_us)
            std::fprintf(out, "; added %.3f us per %s%s", mode->added_us->median, unit.c_str(),
                         format_ci(*mode->added_us).c_str());
        std::fprintf(out, "; lost %s\n", mode->lost ? std::to_string(*mode->lost).c_str() : "unknown");
    }
}

} // namespace winbpf::bench

// SPDX-License-Identifier: MIT
#include "monitor_tool.hpp"

#include "runner.hpp"

#include <CLI/CLI.hpp>

#include <map>
#include <unistd.h>

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
    for (std::size_t i = 0; i < peers_.size(); ++i) {
        const PeerTool &peer = peers_[i];
        peer_options_[i].path = sibling_path(peer.name);
        app.add_option("--" + peer.option, peer_options_[i].path,
                       peer.name + " binary (" + peer.what + "; default: next to winbpf_bench)");
        app.add_flag("--no-" + peer.option, peer_options_[i].skip, "Skip the " + peer.name + " mode");
    }
}

std::vector<std::string> MonitorTool::check() const
{
    std::vector<std::string> missing;
    if (!skip_ && access(path_.c_str(), X_OK) != 0)
        missing.push_back(path_ + " is not executable (set --monitor PATH, or skip it with --no-monitor)");
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

} // namespace winbpf::bench

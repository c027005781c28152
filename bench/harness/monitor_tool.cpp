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
    if (reference_.empty())
        return;
    reference_path_ = sibling_path(reference_);
    app.add_option("--reference", reference_path_, reference_ + " binary (default: next to winbpf_bench)");
    app.add_flag("--no-reference", skip_reference_, "Skip the " + reference_ + " mode");
}

std::vector<std::string> MonitorTool::check() const
{
    std::vector<std::string> missing;
    if (!skip_ && access(path_.c_str(), X_OK) != 0)
        missing.push_back(path_ + " is not executable (set --monitor PATH, or skip it with --no-monitor)");
    if (!reference_.empty() && !skip_reference_ && access(reference_path_.c_str(), X_OK) != 0)
        missing.push_back(reference_path_ +
                          " is not executable (set --reference PATH, or skip it with --no-reference)");
    return missing;
}

std::vector<ToolSpec> MonitorTool::tools(const std::vector<std::string> &args,
                                         const std::vector<std::string> &reference_args) const
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
    if (!reference_.empty() && !skip_reference_) {
        std::vector<std::string> argv{reference_path_};
        argv.insert(argv.end(), reference_args.begin(), reference_args.end());
        tools.push_back({reference_, argv, "Press Ctrl-C to stop", "", true});
    }
    return tools;
}

} // namespace winbpf::bench

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
}

std::vector<std::string> MonitorTool::check() const
{
    if (!skip_ && access(path_.c_str(), X_OK) != 0)
        return {path_ + " is not executable (set --monitor PATH, or skip it with --no-monitor)"};
    return {};
}

std::vector<ToolSpec> MonitorTool::tools(const std::vector<std::string> &args) const
{
    if (skip_)
        return {};
    std::vector<std::string> argv{path_};
    argv.insert(argv.end(), args.begin(), args.end());
    if (json_)
        argv.emplace_back("--json");
    if (drain_ms_ > 0)
        argv.insert(argv.end(), {"--drain-ms", std::to_string(drain_ms_)});
    return {{name_, argv, "Press Ctrl-C to stop", "", true}};
}

void ReferenceTool::add_options(CLI::App &app)
{
    path_ = sibling_path(name_);
    app.add_option("--reference", path_, name_ + " binary (default: next to winbpf_bench)");
    app.add_flag("--no-reference", skip_, "Skip the " + name_ + " mode");
}

std::vector<std::string> ReferenceTool::check() const
{
    if (!skip_ && access(path_.c_str(), X_OK) != 0)
        return {path_ + " is not executable (set --reference PATH, or skip it with --no-reference)"};
    return {};
}

std::vector<ToolSpec> ReferenceTool::tools(const std::vector<std::string> &args) const
{
    if (skip_)
        return {};
    std::vector<std::string> argv{path_};
    argv.insert(argv.end(), args.begin(), args.end());
    return {{name_, argv, "Press Ctrl-C to stop", "", true}};
}

} // namespace winbpf::bench

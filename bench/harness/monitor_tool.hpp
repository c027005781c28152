// SPDX-License-Identifier: MIT
// A winbpf monitor (bind_monitor, netevent_monitor, ...) as a bench's tool, with the hand-written reference tool
// measured beside it (bench/reference): the options every such bench has for them and their ToolSpecs.
#pragma once

#include "workload.hpp"

#include <string>
#include <utility>
#include <vector>

namespace winbpf::bench
{

/// The monitor called name: --monitor PATH (default: next to winbpf_bench), --no-monitor, --format json|human,
/// --drain-ms MS; and, when given, its reference tool of bench/reference (the monitor's work in a plain libbpf tool):
/// --reference PATH (default: next to winbpf_bench), --no-reference. Each is attached once it prints "Press Ctrl-C to
/// stop" and must print "received N, lost M".
class MonitorTool
{
  public:
    explicit MonitorTool(std::string name, std::string reference = {})
        : name_(std::move(name)), reference_(std::move(reference))
    {
    }

    const std::string &name() const { return name_; }
    /// Adds the options above to app.
    void add_options(CLI::App &app);
    /// A message per tool that is needed but not executable, else nothing.
    std::vector<std::string> check() const;
    /// The monitor's ToolSpec with argv PATH args... [--json] [--drain-ms MS] (none with --no-monitor), then the
    /// reference's with argv PATH reference_args... (none with --no-reference).
    std::vector<ToolSpec> tools(const std::vector<std::string> &args,
                                const std::vector<std::string> &reference_args = {}) const;

  private:
    std::string name_;
    std::string reference_;
    std::string path_;
    std::string reference_path_;
    bool skip_ = false;
    bool skip_reference_ = false;
    bool json_ = true;
    unsigned drain_ms_ = 0; ///< 0: the monitor's default
};

} // namespace winbpf::bench

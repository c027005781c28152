// SPDX-License-Identifier: MIT
// A winbpf monitor (bind_monitor, netevent_monitor, ...) as a bench's tool, and the hand-written reference tool
// measured beside it (bench/reference): the options every such bench has for them and their ToolSpecs.
#pragma once

#include "workload.hpp"

#include <string>
#include <utility>
#include <vector>

namespace winbpf::bench
{

/// The monitor called name: --monitor PATH (default: next to winbpf_bench), --no-monitor, --format json|human,
/// --drain-ms MS. It is attached once it prints "Press Ctrl-C to stop" and must print "received N, lost M".
class MonitorTool
{
  public:
    explicit MonitorTool(std::string name) : name_(std::move(name)) {}

    const std::string &name() const { return name_; }
    /// Adds the options above to app.
    void add_options(CLI::App &app);
    /// A message when the monitor is needed but not executable, else nothing.
    std::vector<std::string> check() const;
    /// The monitor's ToolSpec with argv PATH args... [--json] [--drain-ms MS]; none with --no-monitor.
    std::vector<ToolSpec> tools(const std::vector<std::string> &args) const;

  private:
    std::string name_;
    std::string path_;
    bool skip_ = false;
    bool json_ = true;
    unsigned drain_ms_ = 0; ///< 0: the monitor's default
};

/// A reference tool of bench/reference (drop_reference, bind_reference): the monitor's work in a plain libbpf tool.
/// --reference PATH (default: next to winbpf_bench), --no-reference. Like a monitor, it is attached once it prints
/// "Press Ctrl-C to stop" and must print "received N, lost M".
class ReferenceTool
{
  public:
    explicit ReferenceTool(std::string name) : name_(std::move(name)) {}
    const std::string &name() const { return name_; }
    /// Adds the options above to app.
    void add_options(CLI::App &app);
    /// A message when the tool is needed but not executable, else nothing.
    std::vector<std::string> check() const;
    /// Its ToolSpec with argv PATH args...; none with --no-reference.
    std::vector<ToolSpec> tools(const std::vector<std::string> &args) const;

  private:
    std::string name_;
    std::string path_;
    bool skip_ = false;
};

} // namespace winbpf::bench

// SPDX-License-Identifier: MIT
// A winbpf monitor (bind_monitor, netevent_monitor, ...) as a bench's tool, with the plain libbpf tools of
// bench/reference measured beside it (its hand-written reference, the hooks' floor): the options every such bench has
// for them and their ToolSpecs.
#pragma once

#include "workload.hpp"

#include <string>
#include <utility>
#include <vector>

namespace winbpf::bench
{

/// A plain libbpf tool of bench/reference measured beside a monitor, in a mode of its own.
struct PeerTool {
    std::string option;            ///< its options are --<option> PATH and --no-<option>, e.g. "reference"
    std::string name;              ///< its executable (next to winbpf_bench by default) and its mode, e.g. "hook_floor"
    std::vector<std::string> args; ///< its arguments before the workload's, e.g. {"bind"}
    std::string what;              ///< what it is, for the report, e.g. "the same work in a hand-written libbpf tool"
};

/// The monitor called name: --monitor PATH (default: next to winbpf_bench), --no-monitor, --format json|human,
/// --drain-ms MS; and each peer: --<option> PATH (default: next to winbpf_bench), --no-<option>. Each tool is attached
/// once it prints "Press Ctrl-C to stop" and must print "received N, lost M".
class MonitorTool
{
  public:
    explicit MonitorTool(std::string name, std::vector<PeerTool> peers = {})
        : name_(std::move(name)), peers_(std::move(peers)), peer_options_(peers_.size())
    {
    }

    const std::string &name() const { return name_; }
    const std::vector<PeerTool> &peers() const { return peers_; }
    /// Adds the options above to app.
    void add_options(CLI::App &app);
    /// A message per tool that is needed but not executable, else nothing.
    std::vector<std::string> check() const;
    /// The monitor's ToolSpec with argv PATH args... [--json] [--drain-ms MS] (none with --no-monitor), then each
    /// peer's with argv PATH peer.args... peer_args... (none with --no-<option>).
    std::vector<ToolSpec> tools(const std::vector<std::string> &args,
                                const std::vector<std::string> &peer_args = {}) const;

  private:
    std::string name_;
    std::vector<PeerTool> peers_;
    std::string path_;
    /// Per peer (same index): what its options set.
    struct PeerOptions {
        std::string path;
        bool skip = false;
    };
    std::vector<PeerOptions> peer_options_; ///< sized once: CLI11 keeps pointers to its elements
    bool skip_ = false;
    bool json_ = true;
    unsigned drain_ms_ = 0; ///< 0: the monitor's default
};

} // namespace winbpf::bench

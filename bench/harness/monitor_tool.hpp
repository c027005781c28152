// SPDX-License-Identifier: MIT
// A winbpf monitor (bind_monitor, netevent_monitor, ...) as a bench's tool, with the plain libbpf tools of
// bench/reference measured beside it (its hand-written reference, the hooks' floor): the options every such bench has
// for them and their ToolSpecs.
#pragma once

#include "children.hpp"
#include "workload.hpp"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace winbpf::bench
{

struct Summaries;

/// A plain libbpf tool of bench/reference measured beside a monitor, in a mode of its own.
struct PeerTool {
    std::string option;            ///< its options are --<option> PATH and --no-<option>, e.g. "reference"
    std::string name;              ///< its executable (next to winbpf_bench by default) and its mode, e.g. "hook_floor"
    std::vector<std::string> args; ///< its arguments before the workload's, e.g. {"bind"}
    std::string what;              ///< what it is, for the report, e.g. "the same work in a hand-written libbpf tool"
};

/// The monitor called name: --monitor PATH (default: next to winbpf_bench), --no-monitor, --format json|human,
/// --drain-ms MS, --outputs file,gzip,nats; and each peer: --<option> PATH (default: next to winbpf_bench),
/// --no-<option>. Each tool is attached once it prints "Press Ctrl-C to stop" and must print "received N, lost M".
///
/// --outputs adds a mode per output sink beside the monitor's stdout, measured with bpf_stats off only (the same
/// programs): "<name> file" (--output file:DIR/events.json, rotated at 10 MB keeping one), "<name> gzip" (the same
/// with --output-gzip) and "<name> nats" (--output nats://127.0.0.1:PORT/winbpf.bench, acknowledged publishes, against
/// a `nats-server -js` on a free loopback port with its store in DIR, started by prepare()). DIR is a directory of
/// the bench's own under /tmp, removed by cleanup().
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
    /// Creates the outputs' directory and starts nats-server when --outputs asks for them. Throws std::runtime_error
    /// when the server does not start listening within 10 s.
    void prepare();
    /// Stops nats-server and removes the outputs' directory (every exit path after prepare()).
    void cleanup() noexcept;
    /// Per output mode: "<name> output <sink>: tool CPU X us per <unit> (CI), <+D> beyond stdout; added Y us per
    /// <unit> (CI); lost N" (nothing without --outputs).
    void print_output_lines(const Summaries &summaries, const std::string &unit, std::FILE *out) const;

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
    std::vector<std::string> outputs_;      ///< --outputs: file, gzip, nats
    std::string output_dir_;                ///< the outputs' directory, once prepare() made it
    std::uint16_t nats_port_ = 0;
    std::optional<ChildProcess> nats_server_;
    bool skip_ = false;
    bool json_ = true;
    unsigned drain_ms_ = 0; ///< 0: the monitor's default
};

} // namespace winbpf::bench

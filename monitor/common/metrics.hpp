// SPDX-License-Identifier: MIT
// The Prometheus endpoint of a monitor (--metrics ADDRESS:PORT), served by prometheus-cpp.
#pragma once

#include "common/loss_reporter.hpp"
#include "common/output.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct bpf_object;

namespace prometheus
{
class Counter;
class Exposer;
class Gauge;
class Registry;
} // namespace prometheus

namespace winbpf::monitor
{

/// The address prometheus-cpp listens on for a --metrics value: "PORT" or ":PORT" (loopback: 127.0.0.1:PORT),
/// "HOST:PORT" or "[IPV6]:PORT". Throws winbpf::Error for anything else ("--metrics X: expected [ADDRESS:]PORT").
std::string metrics_listen_address(const std::string &value);

/// What the session's counters were at one moment, handed to Metrics::sync.
struct SessionCounts {
    const LossReporter *losses = nullptr; ///< received, BPF-side and consumer losses
    const Outputs *outputs = nullptr;     ///< delivered, lost, errors per output
    const bpf_object *object = nullptr;   ///< its programs' run time and count (kernel.bpf_stats_enabled)
};

/// Serves http://ADDRESS:PORT/metrics (docs/fleet.md "Metrics"), all with the label tool=<monitor>:
///   winbpf_monitor_build_info{revision} 1, winbpf_monitor_start_time_seconds,
///   winbpf_monitor_events_received_total{type}, winbpf_monitor_events_lost_total{stage,reason,output},
///   winbpf_monitor_events_delivered_total{output}, winbpf_monitor_output_errors_total{output},
///   winbpf_monitor_output_buffer_events{output}, winbpf_monitor_ring_buffer_size_bytes,
///   winbpf_bpf_stats_enabled, winbpf_bpf_program_run_time_seconds_total{program},
///   winbpf_bpf_program_runs_total{program}.
/// Counters are the session's own counts, copied by sync() (once per drain): a scrape lags by at most one drain
/// interval. Labels are bounded: event types, stages, reasons, outputs given on the command line, program names.
class Metrics
{
  public:
    /// Starts listening on listen_address (metrics_listen_address) with prometheus-cpp's server threads (start it
    /// once capabilities are dropped: threads inherit them). ring_buffer_bytes: the ring buffer map's size. Throws
    /// winbpf::Error when it cannot listen ("metrics ADDRESS: cannot listen: ...").
    Metrics(const std::string &listen_address, const std::string &tool, std::uint64_t ring_buffer_bytes);
    ~Metrics();
    Metrics(const Metrics &) = delete;
    Metrics &operator=(const Metrics &) = delete;

    /// "http://HOST:PORT/metrics" as bound (the port the kernel chose for port 0).
    std::string url() const;

    /// Counts one event of type (the "type" of its JSON line, "event" for human lines); a few types per monitor.
    void count_event(std::string_view type);

    /// Copies the session's counters into the metrics.
    void sync(const SessionCounts &counts);

  private:
    /// A prometheus counter fed from a running total of the session's.
    struct Fed {
        prometheus::Counter *counter = nullptr;
        double last = 0;
        void set(double total);
    };
    Fed &fed(const std::string &family, const std::map<std::string, std::string> &labels);

    std::string tool_;
    std::string host_;
    std::shared_ptr<prometheus::Registry> registry_;
    std::unique_ptr<prometheus::Exposer> exposer_;
    std::map<std::string, Fed> fed_;                             ///< by family and labels
    std::vector<std::pair<std::string, std::uint64_t>> by_type_; ///< events per type since the last sync
    std::map<std::string, prometheus::Gauge *> output_buffers_;  ///< by output
    prometheus::Gauge *bpf_stats_enabled_ = nullptr;
};

/// Type of the event line(s) a handler just appended (lines): the value of a leading {"type":"...", else "event".
std::string_view event_type(std::string_view lines) noexcept;

} // namespace winbpf::monitor

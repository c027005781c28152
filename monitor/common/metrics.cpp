// SPDX-License-Identifier: MIT
#include "common/metrics.hpp"

#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <exception>
#include <fstream>
#include <regex>

#ifndef WINBPF_MONITOR_REVISION
#error WINBPF_MONITOR_REVISION must name the source revision (monitor/common/CMakeLists.txt)
#endif

namespace winbpf::monitor
{
namespace
{

/// Help text of each counter family.
const std::map<std::string, std::string> &counter_help()
{
    static const std::map<std::string, std::string> help{
        {"winbpf_monitor_events_received_total", "Events the monitor received from its ring buffer, by type"},
        {"winbpf_monitor_events_lost_total",
         "Events lost, by stage (bpf: ring buffer full; consumer: record not decoded; output: write, open, publish or "
         "buffer failures) and reason"},
        {"winbpf_monitor_events_delivered_total",
         "Events an output took: written whole (stdout, file) or acknowledged by the server"},
        {"winbpf_monitor_output_errors_total", "Failed writes, opens or publishes of an output"},
        {"winbpf_bpf_program_run_time_seconds_total",
         "Time the monitor's BPF programs ran (0 unless kernel.bpf_stats_enabled is 1)"},
        {"winbpf_bpf_program_runs_total",
         "Runs of the monitor's BPF programs (0 unless kernel.bpf_stats_enabled is 1)"},
    };
    return help;
}

/// 1 when /proc/sys/kernel/bpf_stats_enabled says 1 (the kernel then counts each program's runs and run time).
bool bpf_stats_enabled()
{
    std::ifstream in("/proc/sys/kernel/bpf_stats_enabled");
    int value = 0;
    return static_cast<bool>(in >> value) && value != 0;
}

} // namespace

std::string metrics_listen_address(const std::string &value)
{
    static const std::regex port_only(R"(:?([0-9]{1,5}))");
    static const std::regex host_port(R"((\[[0-9A-Fa-f:.]+\]|[0-9.]+|[A-Za-z0-9.-]+):([0-9]{1,5}))");
    std::smatch match;
    if (std::regex_match(value, match, port_only) && std::stoul(match[1]) <= 65535)
        return "127.0.0.1:" + match[1].str();
    if (std::regex_match(value, match, host_port) && std::stoul(match[2]) <= 65535)
        return value;
    throw Error("--metrics " + value + ": expected [ADDRESS:]PORT, e.g. 9464, 127.0.0.1:9464 or [::1]:9464");
}

std::string_view event_type(std::string_view lines) noexcept
{
    constexpr std::string_view prefix = R"({"type":")";
    if (!lines.starts_with(prefix))
        return "event";
    const std::string_view rest = lines.substr(prefix.size());
    const std::size_t end = rest.find('"');
    return end == std::string_view::npos ? std::string_view("event") : rest.substr(0, end);
}

void Metrics::Fed::set(double total)
{
    if (total > last)
        counter->Increment(total - last);
    last = total;
}

Metrics::Metrics(const std::string &listen_address, const std::string &tool, std::uint64_t ring_buffer_bytes)
    : tool_(tool), registry_(std::make_shared<prometheus::Registry>())
{
    const prometheus::Labels tool_label{{"tool", tool}};
    prometheus::BuildGauge()
        .Name("winbpf_monitor_build_info")
        .Help("Always 1: the monitor's source revision in a label")
        .Register(*registry_)
        .Add({{"tool", tool}, {"revision", WINBPF_MONITOR_REVISION}})
        .Set(1);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    prometheus::BuildGauge()
        .Name("winbpf_monitor_start_time_seconds")
        .Help("When the monitor started, in seconds since the Unix epoch")
        .Register(*registry_)
        .Add(tool_label)
        .Set(std::chrono::duration<double>(now).count());
    prometheus::BuildGauge()
        .Name("winbpf_monitor_ring_buffer_size_bytes")
        .Help("Size of the ring buffer the BPF side writes its records to")
        .Register(*registry_)
        .Add(tool_label)
        .Set(static_cast<double>(ring_buffer_bytes));
    bpf_stats_enabled_ = &prometheus::BuildGauge()
                              .Name("winbpf_bpf_stats_enabled")
                              .Help("1 when kernel.bpf_stats_enabled is on: only then do the BPF program run counts "
                                    "and times grow")
                              .Register(*registry_)
                              .Add(tool_label);
    bpf_stats_enabled_->Set(bpf_stats_enabled() ? 1 : 0);
    auto &buffers = prometheus::BuildGauge()
                        .Name("winbpf_monitor_output_buffer_events")
                        .Help("Events an output holds that it has not delivered yet")
                        .Register(*registry_);
    static_cast<void>(buffers);
    for (const auto &[name, help] : counter_help())
        prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
    try {
        exposer_ = std::make_unique<prometheus::Exposer>(listen_address, 2);
    } catch (const std::exception &error) {
        throw Error("metrics " + listen_address + ": cannot listen: " + error.what());
    }
    exposer_->RegisterCollectable(registry_);
    host_ = listen_address.substr(0, listen_address.rfind(':'));
}

Metrics::~Metrics() = default;

std::string Metrics::url() const
{
    const auto ports = exposer_->GetListeningPorts();
    return "http://" + host_ + ":" + (ports.empty() ? std::string("?") : std::to_string(ports.front())) + "/metrics";
}

void Metrics::count_event(std::string_view type)
{
    for (auto &[name, count] : by_type_) {
        if (name == type) {
            ++count;
            return;
        }
    }
    by_type_.emplace_back(std::string(type), 1);
}

Metrics::Fed &Metrics::fed(const std::string &family, const std::map<std::string, std::string> &labels)
{
    std::string key = family;
    for (const auto &[name, value] : labels)
        key += '\0' + name + '=' + value;
    auto found = fed_.find(key);
    if (found != fed_.end())
        return found->second;
    prometheus::Labels all = labels;
    all["tool"] = tool_;
    // Registering an existing family (same name, help and labels) hands back the one already registered.
    auto &counters = prometheus::BuildCounter().Name(family).Help(counter_help().at(family)).Register(*registry_);
    Fed fed{&counters.Add(all), 0};
    return fed_.emplace(std::move(key), fed).first->second;
}

void Metrics::sync(const SessionCounts &counts)
{
    for (const auto &[type, count] : by_type_) {
        Fed &received = fed("winbpf_monitor_events_received_total", {{"type", type}});
        received.set(received.last + static_cast<double>(count));
    }
    for (auto &entry : by_type_)
        entry.second = 0;
    if (counts.losses != nullptr) {
        fed("winbpf_monitor_events_lost_total", {{"stage", "bpf"}, {"reason", "ring_buffer_full"}, {"output", ""}})
            .set(static_cast<double>(counts.losses->kernel_lost()));
        fed("winbpf_monitor_events_lost_total", {{"stage", "consumer"}, {"reason", "malformed_record"}, {"output", ""}})
            .set(static_cast<double>(counts.losses->malformed()));
    }
    if (counts.outputs != nullptr) {
        for (const auto &sink : counts.outputs->sinks()) {
            fed("winbpf_monitor_events_delivered_total", {{"output", sink->name()}})
                .set(static_cast<double>(sink->delivered()));
            fed("winbpf_monitor_output_errors_total", {{"output", sink->name()}})
                .set(static_cast<double>(sink->errors()));
            for (const char *reason : sink->loss_reasons())
                fed("winbpf_monitor_events_lost_total",
                    {{"stage", "output"}, {"reason", reason}, {"output", sink->name()}});
            for (const auto &[reason, lost] : sink->losses())
                fed("winbpf_monitor_events_lost_total",
                    {{"stage", "output"}, {"reason", reason}, {"output", sink->name()}})
                    .set(static_cast<double>(lost));
            auto buffer = output_buffers_.find(sink->name());
            if (buffer == output_buffers_.end()) {
                auto &gauge = prometheus::BuildGauge()
                                  .Name("winbpf_monitor_output_buffer_events")
                                  .Help("Events an output holds that it has not delivered yet")
                                  .Register(*registry_)
                                  .Add({{"tool", tool_}, {"output", sink->name()}});
                buffer = output_buffers_.emplace(sink->name(), &gauge).first;
            }
            buffer->second->Set(static_cast<double>(sink->buffered()));
        }
    }
    bpf_stats_enabled_->Set(bpf_stats_enabled() ? 1 : 0);
    if (counts.object != nullptr) {
        bpf_program *program = nullptr;
        bpf_object__for_each_program(program, const_cast<bpf_object *>(counts.object))
        {
            const int fd = bpf_program__fd(program);
            if (fd < 0)
                continue;
            bpf_prog_info info{};
            std::uint32_t size = sizeof info;
            if (bpf_obj_get_info_by_fd(fd, &info, &size) != 0)
                continue;
            const std::string name = bpf_program__name(program);
            fed("winbpf_bpf_program_run_time_seconds_total", {{"program", name}})
                .set(static_cast<double>(info.run_time_ns) / 1e9);
            fed("winbpf_bpf_program_runs_total", {{"program", name}}).set(static_cast<double>(info.run_cnt));
        }
    }
}

} // namespace winbpf::monitor

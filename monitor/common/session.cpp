// SPDX-License-Identifier: MIT
#include "common/session.hpp"

#include "common/metrics.hpp"
#include "common/output.hpp"
#include "common/privileges.hpp"

#include "winbpf/error.hpp"
#include "winbpf/ring_buffer.hpp"

#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <system_error>
#include <unistd.h>

namespace winbpf::monitor
{
namespace
{

/// How long a stopping session waits for a buffering output (NATS) to deliver what it holds.
constexpr std::chrono::seconds output_finish_timeout{10};

volatile std::sig_atomic_t stop_flag = 0;
volatile std::sig_atomic_t reopen_flag = 0;

void on_stop_signal(int)
{
    stop_flag = 1;
}

void on_reopen_signal(int)
{
    reopen_flag = 1;
}

/// While alive, SIGINT and SIGTERM set stop_flag instead of killing the process (installed without SA_RESTART, so
/// a blocking poll returns early with EINTR), SIGUSR1 sets reopen_flag (the outputs are reopened: logrotate) and
/// SIGPIPE is ignored (a closed stdout shows up as EPIPE). The previous dispositions are restored on destruction. One
/// instance at a time.
class StopSignals
{
  public:
    StopSignals()
    {
        stop_flag = 0;
        reopen_flag = 0;
        install(SIGINT, on_stop_signal, old_int_);
        install(SIGTERM, on_stop_signal, old_term_);
        install(SIGUSR1, on_reopen_signal, old_usr1_);
        install(SIGPIPE, SIG_IGN, old_pipe_);
    }
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;
    ~StopSignals()
    {
        sigaction(SIGPIPE, &old_pipe_, nullptr);
        sigaction(SIGUSR1, &old_usr1_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
        sigaction(SIGINT, &old_int_, nullptr);
    }

    /// True once SIGINT or SIGTERM arrived.
    bool requested() const noexcept { return stop_flag != 0; }
    /// True once per SIGUSR1 (or several that came together).
    bool take_reopen() const noexcept
    {
        if (reopen_flag == 0)
            return false;
        reopen_flag = 0;
        return true;
    }

  private:
    static void install(int signal, void (*handler)(int), struct sigaction &old)
    {
        struct sigaction action {
        };
        action.sa_handler = handler;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0; // no SA_RESTART: interrupt the ring buffer poll
        if (sigaction(signal, &action, &old) != 0)
            throw std::system_error(errno, std::generic_category(), "sigaction");
    }

    struct sigaction old_int_ {
    };
    struct sigaction old_term_ {
    };
    struct sigaction old_pipe_ {
    };
    struct sigaction old_usr1_ {
    };
};

/// Prints "<tool>: writing to stdout: <error>" and returns 1 for a failed write to stdout other than EPIPE; 0
/// otherwise (the other outputs' failures are counted and reported, not fatal).
int output_status(const SessionConfig &config, const Outputs &outputs)
{
    const StdoutSink *out = outputs.stdout_sink();
    if (out != nullptr && out->error() != 0 && out->error() != EPIPE) {
        std::fprintf(stderr, "%s: writing to stdout: %s\n", config.tool.c_str(), std::strerror(out->error()));
        return 1;
    }
    return 0;
}

/// With JSON lines, every loss the reporter sees also goes to the outputs as a loss record.
void report_losses_in_band(const SessionConfig &config, LossReporter &losses, Outputs &outputs)
{
    if (!config.json)
        return;
    losses.set_listener(
        [&config, &outputs](LossStage stage, const char *reason, std::uint64_t count, std::uint64_t total) {
            std::string record;
            append_loss_record(config.tool, stage, {}, reason, count, total, record);
            outputs.write_record(record);
        });
}

/// "<tool>: output NAME: delivered D, lost L" for each output but stdout.
void print_output_summary(const SessionConfig &config, const Outputs &outputs)
{
    for (const auto &sink : outputs.sinks()) {
        if (sink.get() == outputs.stdout_sink())
            continue;
        std::fprintf(stderr, "%s: output %s: delivered %llu, lost %llu\n", config.tool.c_str(), sink->name().c_str(),
                     static_cast<unsigned long long>(sink->delivered()), static_cast<unsigned long long>(sink->lost()));
    }
}

/// Sizes the ring buffer map called name of the opened (not yet loaded) object to size bytes (--ring-buffer-size).
/// Throws Error naming the map when it is no ring buffer or libbpf refuses the size.
void set_ring_buffer_size(const Object &object, const std::string &name, std::uint32_t size)
{
    bpf_map *const map = object.map(name);
    if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF)
        throw Error("--ring-buffer-size: map '" + name + "' of " + object.name() + " is not a ring buffer");
    if (const int err = bpf_map__set_max_entries(map, size); err != 0)
        throw Error("--ring-buffer-size: sizing ring buffer map '" + name + "' to " + std::to_string(size) +
                        " bytes: " + std::strerror(-err),
                    -err);
}

int run_replay(const SessionConfig &config, const Recording &recording)
{
    Outputs outputs(config.outputs, config.tool);
    outputs.start();
    std::string out;
    out.reserve(2 * flush_threshold);
    LossReporter losses(
        config.tool, [] { return std::uint64_t{0}; }, stderr);
    report_losses_in_band(config, losses, outputs);
    for (const auto &record : recording.records) {
        losses.count(config.handle_record(record, out));
        if (out.size() >= flush_threshold) {
            outputs.write_events(out);
            outputs.poll();
            losses.check();
        }
    }
    outputs.write_events(out);
    losses.check();
    outputs.finish(output_finish_timeout);
    std::fprintf(stderr, "%s: replayed %llu records, lost %llu\n", config.tool.c_str(),
                 static_cast<unsigned long long>(losses.received()), static_cast<unsigned long long>(losses.total()));
    if (!recording.damage.empty()) {
        std::fprintf(stderr, "%s: recording damaged: %s\n", config.tool.c_str(), recording.damage.c_str());
        return 1;
    }
    print_output_summary(config, outputs);
    return output_status(config, outputs);
}

int run_attached(const SessionConfig &config, const StopSignals &stop)
{
    Outputs outputs(config.outputs, config.tool);
    std::optional<RecordingWriter> recorder;
    if (!config.record_path.empty())
        recorder.emplace(config.record_path, config.tool, config.recording_clock_offset_ns);

    Object object = Object::open_memory(config.object_elf, config.tool);
    if (config.ring_buffer_size != 0)
        set_ring_buffer_size(object, config.ring_buffer_map, config.ring_buffer_size);
    object.load();

    std::string out;
    out.reserve(2 * flush_threshold);
    LossReporter losses(
        config.tool, [&object] { return object.lost_events(); }, stderr);
    report_losses_in_band(config, losses, outputs);
    // Lines and recording go out together: what a reader has seen is recorded.
    auto flush = [&] {
        if (recorder)
            recorder->flush();
        outputs.write_events(out);
    };
    std::optional<Metrics> metrics; // started once capabilities are dropped: its threads inherit them
    RingBufferConsumer consumer(object.map(config.ring_buffer_map), [&](std::span<const std::byte> record) {
        if (recorder)
            recorder->append(record);
        const std::size_t start = out.size();
        const RecordStatus status = config.handle_record(record, out);
        losses.count(status);
        if (metrics && status.is_ok())
            metrics->count_event(event_type(std::string_view(out).substr(start)));
        if (out.size() >= flush_threshold)
            outputs.write_events(
                out); // no throw inside libbpf's callback: a recording's write error surfaces in flush()
        return 0;
    });

    // What is left once attached (ring buffer polls, map lookups on fds held, detaching by closing them) needs no
    // capability where the kernel checks them only at load and attach (6.5+); older ones check CAP_BPF on every
    // bpf() call, which a child without capabilities finds out. Asked before attaching: the monitor sees no process
    // of its own (the child would be the first event of process_monitor).
    const bool capability_free = works_without_capabilities([&object] {
        static_cast<void>(object.lost_events()); // throws when the kernel refuses
        return true;
    });
    std::optional<Attachment> attachment(config.attach(object));
    if (config.after_attach)
        config.after_attach();
    if (capability_free) {
        drop_capabilities();
    } else {
        drop_capabilities({CAP_BPF});
        std::fprintf(stderr, "%s: keeping CAP_BPF: this kernel checks it on every bpf() call\n", config.tool.c_str());
    }
    outputs.start(); // NATS connects here: its threads hold no capability
    if (!config.metrics_address.empty()) {
        metrics.emplace(metrics_listen_address(config.metrics_address), config.tool,
                        bpf_map__max_entries(object.map(config.ring_buffer_map)));
        std::fprintf(stderr, "%s: metrics on %s\n", config.tool.c_str(), metrics->url().c_str());
    }
    const SessionCounts counts{&losses, &outputs, object.raw()};
    std::fputs("Press Ctrl-C to stop\n", stderr);
    sd_notify(0, "READY=1\nSTATUS=attached"); // systemd Type=notify (nothing outside systemd: no NOTIFY_SOCKET)

    while (!stop.requested() && !outputs.closed()) {
        consumer.poll(config.poll_timeout);
        flush();
        losses.check();
        outputs.poll();
        if (metrics)
            metrics->sync(counts);
        if (stop.take_reopen())
            outputs.reopen();
    }

    sd_notify(0, "STOPPING=1\nSTATUS=stopping: detaching, delivering what is buffered");
    attachment.reset(); // detach, then take what the programs wrote before
    if (!outputs.closed()) {
        consumer.poll(std::chrono::milliseconds(0));
        flush();
    }
    losses.check();
    outputs.finish(output_finish_timeout);
    if (metrics)
        metrics->sync(counts);
    std::fprintf(stderr, "%s: received %llu, lost %llu\n", config.tool.c_str(),
                 static_cast<unsigned long long>(losses.received()), static_cast<unsigned long long>(losses.total()));
    print_output_summary(config, outputs);
    return output_status(config, outputs);
}

} // namespace

int run_session(const SessionConfig &config)
{
    try {
        if (config.replay)
            return run_replay(config, *config.replay);
        const std::vector<cap_value_t> missing = missing_capabilities(config.capabilities);
        if (!missing.empty()) {
            std::fprintf(stderr,
                         "%s: needs %s to load and attach its BPF programs (missing: %s): run it as root or grant "
                         "them\n",
                         config.tool.c_str(), capability_names(config.capabilities).c_str(),
                         capability_names(missing).c_str());
            return 1;
        }
        limit_capabilities(config.capabilities);
        const StopSignals stop;
        return run_attached(config, stop);
    } catch (const std::exception &error) { // winbpf::Error included
        std::fprintf(stderr, "%s: %s\n", config.tool.c_str(), error.what());
    }
    return 1;
}

} // namespace winbpf::monitor

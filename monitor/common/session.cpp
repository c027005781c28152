// SPDX-License-Identifier: MIT
#include "common/session.hpp"

#include "common/output_writer.hpp"
#include "common/privileges.hpp"

#include "winbpf/ring_buffer.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <system_error>
#include <unistd.h>

namespace winbpf::monitor
{
namespace
{

volatile std::sig_atomic_t stop_flag = 0;

void on_stop_signal(int)
{
    stop_flag = 1;
}

/// While alive, SIGINT and SIGTERM set stop_flag instead of killing the process (installed without SA_RESTART, so
/// a blocking poll returns early with EINTR) and SIGPIPE is ignored (a closed stdout shows up as EPIPE). The
/// previous dispositions are restored on destruction. One instance at a time.
class StopSignals
{
  public:
    StopSignals()
    {
        stop_flag = 0;
        install(SIGINT, on_stop_signal, old_int_);
        install(SIGTERM, on_stop_signal, old_term_);
        install(SIGPIPE, SIG_IGN, old_pipe_);
    }
    StopSignals(const StopSignals &) = delete;
    StopSignals &operator=(const StopSignals &) = delete;
    ~StopSignals()
    {
        sigaction(SIGPIPE, &old_pipe_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
        sigaction(SIGINT, &old_int_, nullptr);
    }

    /// True once SIGINT or SIGTERM arrived.
    bool requested() const noexcept { return stop_flag != 0; }

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
};

/// Prints "<tool>: writing to stdout: <error>" and returns 1 for a failed write other than EPIPE; 0 otherwise.
int output_status(const SessionConfig &config, const OutputWriter &writer)
{
    if (writer.error() != 0 && writer.error() != EPIPE) {
        std::fprintf(stderr, "%s: writing to stdout: %s\n", config.tool.c_str(), std::strerror(writer.error()));
        return 1;
    }
    return 0;
}

int run_replay(const SessionConfig &config, const Recording &recording)
{
    OutputWriter writer(STDOUT_FILENO);
    std::string out;
    out.reserve(2 * flush_threshold);
    LossReporter losses(
        config.tool, [] { return std::uint64_t{0}; }, stderr);
    for (const auto &record : recording.records) {
        losses.count(config.handle_record(record, out));
        if (out.size() >= flush_threshold) {
            writer.flush(out);
            losses.check();
        }
    }
    writer.flush(out);
    losses.check();
    std::fprintf(stderr, "%s: replayed %llu records, lost %llu\n", config.tool.c_str(),
                 static_cast<unsigned long long>(losses.received()), static_cast<unsigned long long>(losses.total()));
    if (!recording.damage.empty()) {
        std::fprintf(stderr, "%s: recording damaged: %s\n", config.tool.c_str(), recording.damage.c_str());
        return 1;
    }
    return output_status(config, writer);
}

int run_attached(const SessionConfig &config, const StopSignals &stop)
{
    std::optional<RecordingWriter> recorder;
    if (!config.record_path.empty())
        recorder.emplace(config.record_path, config.tool, config.recording_clock_offset_ns);

    Object object = Object::open_memory(config.object_elf, config.tool);
    object.load();

    OutputWriter writer(STDOUT_FILENO);
    std::string out;
    out.reserve(2 * flush_threshold);
    LossReporter losses(
        config.tool, [&object] { return object.lost_events(); }, stderr);
    // Lines and recording go out together: what a reader has seen is recorded.
    auto flush = [&] {
        if (recorder)
            recorder->flush();
        writer.flush(out);
    };
    RingBufferConsumer consumer(object.map(config.ring_buffer_map), [&](std::span<const std::byte> record) {
        if (recorder)
            recorder->append(record);
        losses.count(config.handle_record(record, out));
        if (out.size() >= flush_threshold)
            writer.flush(out); // no throw inside libbpf's callback: a recording's write error surfaces in flush()
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
    std::fputs("Press Ctrl-C to stop\n", stderr);

    while (!stop.requested() && writer.error() == 0) {
        consumer.poll(config.poll_timeout);
        flush();
        losses.check();
    }

    attachment.reset(); // detach, then take what the programs wrote before
    if (writer.error() == 0) {
        consumer.poll(std::chrono::milliseconds(0));
        flush();
    }
    losses.check();
    std::fprintf(stderr, "%s: received %llu, lost %llu\n", config.tool.c_str(),
                 static_cast<unsigned long long>(losses.received()), static_cast<unsigned long long>(losses.total()));

    return output_status(config, writer);
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

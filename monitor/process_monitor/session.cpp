// SPDX-License-Identifier: MIT
#include "session.hpp"

#include "embedded_object.hpp"
#include "loss_reporter.hpp"
#include "output_writer.hpp"
#include "running_processes.hpp"

#include "winbpf/attachment.hpp"
#include "winbpf/object.hpp"
#include "winbpf/ring_buffer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <unistd.h>

namespace winbpf::monitor
{
namespace
{

constexpr const char *ring_buffer_map = "process_ringbuf";

} // namespace

int run_session(const SessionOptions &options, const StopSignals &stop)
{
    Object object = Object::open_memory(process_monitor_elf(), "process_monitor");
    object.load();

    EventPrinter printer(options.format);
    OutputWriter writer(STDOUT_FILENO);
    std::string out;
    out.reserve(2 * flush_threshold);
    RingBufferConsumer consumer(object.map(ring_buffer_map), [&](std::span<const std::byte> record) {
        printer.handle(record, out);
        if (out.size() >= flush_threshold)
            writer.flush(out);
        return 0;
    });
    LossReporter losses([&object] { return object.lost_events(); }, printer, stderr);

    std::optional<Attachment> attachment(std::in_place, object);
    // After attaching, so every process is either in the snapshot or has its CREATE in the ring buffer.
    add_running_processes(printer.table());
    std::fputs("Press Ctrl-C to stop\n", stderr);

    while (!stop.requested() && writer.error() == 0) {
        consumer.poll(options.poll_timeout);
        writer.flush(out);
        losses.check();
    }

    attachment.reset(); // detach, then take what the programs wrote before
    if (writer.error() == 0) {
        consumer.poll(std::chrono::milliseconds(0));
        writer.flush(out);
    }
    losses.check();
    std::fprintf(stderr, "process_monitor: received %llu, lost %llu\n",
                 static_cast<unsigned long long>(printer.received()), static_cast<unsigned long long>(losses.total()));

    if (writer.error() != 0 && writer.error() != EPIPE) {
        std::fprintf(stderr, "process_monitor: writing to stdout: %s\n", std::strerror(writer.error()));
        return 1;
    }
    return 0;
}

} // namespace winbpf::monitor

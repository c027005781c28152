// SPDX-License-Identifier: MIT
// Perf event array consumption (bpf_perf_event_output from Windows-style programs).
#include "winbpf/perf_event.hpp"

#include "internal.hpp"
#include "winbpf/error.hpp"

#include <bpf/libbpf.h>

#include <cerrno>

namespace winbpf
{

PerfEventConsumer::PerfEventConsumer(bpf_map *map, Callback callback, std::size_t pages_per_cpu)
    : callback_(std::move(callback))
{
    const std::string name = bpf_map__name(map);
    const int fd = bpf_map__fd(map);
    if (fd < 0)
        throw Error("perf event array '" + name + "' is not loaded", EINVAL);
    auto on_sample = [](void *context, int cpu, void *data, __u32 size) {
        auto *self = static_cast<PerfEventConsumer *>(context);
        ++self->delivered_;
        self->callback_(cpu, std::span<const std::byte>(static_cast<const std::byte *>(data), size));
    };
    auto on_lost = [](void *context, int, __u64 count) { static_cast<PerfEventConsumer *>(context)->lost_ += count; };
    detail::LogCapture log;
    // Neither copyable nor movable: this stays valid as libbpf's context for the consumer's lifetime.
    buffer_ = perf_buffer__new(fd, pages_per_cpu, on_sample, on_lost, this, nullptr);
    if (!buffer_) {
        int err = errno;
        throw Error("perf buffer on map '" + name + "': " + detail::errno_text(err) + "\n" + log.text(), err);
    }
}

PerfEventConsumer::~PerfEventConsumer()
{
    perf_buffer__free(buffer_);
}

int PerfEventConsumer::poll(std::chrono::milliseconds timeout)
{
    delivered_ = 0;
    const int err = perf_buffer__poll(buffer_, static_cast<int>(timeout.count()));
    if (err < 0 && err != -EINTR)
        throw Error("polling a perf buffer: " + detail::errno_text(-err), -err);
    return delivered_;
}

} // namespace winbpf

// SPDX-License-Identifier: MIT
// Ring buffer consumption; records are drained even without a wake-up (the shim batches wake-ups).
#include "winbpf/ring_buffer.hpp"

#include "internal.hpp"
#include "winbpf/error.hpp"

#include <bpf/libbpf.h>

#include <cerrno>

namespace winbpf
{

struct RingBufferConsumer::Slot {
    Callback callback;
    int *delivered; // records handed to callbacks during the current poll()
    bool *stopped;  // a callback asked to stop the current drain
};

namespace
{
constexpr int stop_marker = -ECANCELED;

int deliver(void *context, void *data, size_t size)
{
    auto *slot = static_cast<RingBufferConsumer::Slot *>(context);
    ++*slot->delivered;
    if (slot->callback(std::span<const std::byte>(static_cast<const std::byte *>(data), size)) != 0) {
        *slot->stopped = true;
        return stop_marker;
    }
    return 0;
}
} // namespace

RingBufferConsumer::RingBufferConsumer(bpf_map *map, Callback callback)
{
    add(map, std::move(callback));
}

RingBufferConsumer::~RingBufferConsumer()
{
    ring_buffer__free(rb_);
}

void RingBufferConsumer::add(bpf_map *map, Callback callback)
{
    int fd = bpf_map__fd(map);
    if (fd < 0)
        throw Error("ring buffer map '" + std::string(bpf_map__name(map)) + "' is not loaded", EINVAL);
    auto slot = std::make_unique<Slot>(Slot{std::move(callback), &delivered_, &stopped_});
    detail::LogCapture log;
    if (!rb_) {
        rb_ = ring_buffer__new(fd, deliver, slot.get(), nullptr);
        if (!rb_) {
            int err = errno;
            throw Error("ring buffer on map '" + std::string(bpf_map__name(map)) + "': " + detail::errno_text(err),
                        err);
        }
    } else if (int err = ring_buffer__add(rb_, fd, deliver, slot.get()); err != 0) {
        throw Error("adding map '" + std::string(bpf_map__name(map)) + "' to a ring buffer: " + detail::errno_text(err),
                    err);
    }
    slots_.push_back(std::move(slot));
}

int RingBufferConsumer::poll(std::chrono::milliseconds timeout)
{
    delivered_ = 0;
    stopped_ = false;
    int err = ring_buffer__poll(rb_, static_cast<int>(timeout.count()));
    if (err == -EINTR)
        return delivered_;
    if (err < 0 && !(err == stop_marker && stopped_))
        throw Error("polling a ring buffer: " + detail::errno_text(err), err);
    if (stopped_)
        return delivered_;
    // Records written without a wake-up are not seen by epoll: drain them now.
    err = ring_buffer__consume(rb_);
    if (err < 0 && !(err == stop_marker && stopped_))
        throw Error("consuming a ring buffer: " + detail::errno_text(err), err);
    return delivered_;
}

} // namespace winbpf

// SPDX-License-Identifier: MIT
// Ring buffer consumption; records are drained even without a wake-up (the shim batches wake-ups).
#include "winbpf/ring_buffer.hpp"

#include "internal.hpp"
#include "winbpf/error.hpp"

#include <bpf/libbpf.h>

#include <cerrno>

namespace winbpf
{

namespace
{
// What deliver returns when the callback asks to stop; libbpf hands it back from poll/consume.
constexpr int stop_marker = -ECANCELED;
} // namespace

int RingBufferConsumer::deliver(void *context, void *data, std::size_t size)
{
    auto *self = static_cast<RingBufferConsumer *>(context);
    ++self->delivered_;
    return self->callback_(std::span<const std::byte>(static_cast<const std::byte *>(data), size)) != 0 ? stop_marker
                                                                                                        : 0;
}

RingBufferConsumer::RingBufferConsumer(bpf_map *map, Callback callback) : callback_(std::move(callback))
{
    int fd = bpf_map__fd(map);
    if (fd < 0)
        throw Error("ring buffer map '" + std::string(bpf_map__name(map)) + "' is not loaded", EINVAL);
    detail::LogCapture log;
    // The class is neither copyable nor movable: this stays valid as libbpf's context for its lifetime.
    rb_ = ring_buffer__new(fd, deliver, this, nullptr);
    if (!rb_) {
        int err = errno;
        throw Error("ring buffer on map '" + std::string(bpf_map__name(map)) + "': " + detail::errno_text(err) + "\n" +
                        log.text(),
                    err);
    }
}

RingBufferConsumer::~RingBufferConsumer()
{
    ring_buffer__free(rb_);
}

int RingBufferConsumer::poll(std::chrono::milliseconds timeout)
{
    delivered_ = 0;
    int err = ring_buffer__poll(rb_, static_cast<int>(timeout.count()));
    if (err == -EINTR || err == stop_marker) // interrupted (nothing delivered), or the callback asked to stop
        return delivered_;
    if (err < 0)
        throw Error("polling a ring buffer: " + detail::errno_text(err), err);
    // Records written without a wake-up are not seen by epoll: drain them now.
    err = ring_buffer__consume(rb_);
    if (err < 0 && err != stop_marker)
        throw Error("consuming a ring buffer: " + detail::errno_text(err), err);
    return delivered_;
}

} // namespace winbpf

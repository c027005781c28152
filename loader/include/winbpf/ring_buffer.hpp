// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <span>

struct bpf_map;
struct ring_buffer;

namespace winbpf
{

/// Consumer of one BPF ring buffer map (RAII over libbpf's ring_buffer).
/// winbpf programs batch wake-ups (shim bpf_ringbuf_output), so poll() drains on its timeout too.
class RingBufferConsumer
{
  public:
    /// Called once per record with its bytes; return 0 to go on, non-zero to stop the current drain.
    using Callback = std::function<int(std::span<const std::byte>)>;

    /// map: a loaded BPF_MAP_TYPE_RINGBUF map (e.g. Object::map("...")). Throws Error naming the map.
    RingBufferConsumer(bpf_map *map, Callback callback);
    RingBufferConsumer(const RingBufferConsumer &) = delete;
    RingBufferConsumer &operator=(const RingBufferConsumer &) = delete;
    ~RingBufferConsumer();

    /// Waits up to timeout for a wake-up, then drains every available record. Returns the records handed to
    /// the callback; throws Error on failure other than EINTR (which returns 0).
    int poll(std::chrono::milliseconds timeout);

  private:
    /// libbpf sample callback (context = this): counts the record and hands it to callback_.
    static int deliver(void *context, void *data, std::size_t size);

    Callback callback_;
    ring_buffer *rb_ = nullptr;
    int delivered_ = 0; // records handed to the callback during the current poll()
};

} // namespace winbpf

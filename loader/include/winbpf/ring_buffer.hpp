// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <vector>

struct bpf_map;
struct ring_buffer;

namespace winbpf
{

/// Consumer of one or more BPF ring buffer maps (RAII over libbpf's ring_buffer).
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

    /// Adds another ring buffer map to the same consumer.
    void add(bpf_map *map, Callback callback);
    /// Waits up to timeout for a wake-up, then drains every available record. Returns the records handed to
    /// callbacks; throws Error on failure other than EINTR (which returns 0).
    int poll(std::chrono::milliseconds timeout);

    struct Slot; ///< One map's callback (internal).

  private:
    ring_buffer *rb_ = nullptr;
    std::vector<std::unique_ptr<Slot>> slots_;
    int delivered_ = 0;
    bool stopped_ = false;
};

} // namespace winbpf

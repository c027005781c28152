// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

struct bpf_map;
struct perf_buffer;

namespace winbpf
{

/// Consumer of one BPF_MAP_TYPE_PERF_EVENT_ARRAY map (RAII over libbpf's perf_buffer): the records a Windows program
/// writes with bpf_perf_event_output(ctx, &map, EBPF_MAP_FLAG_CURRENT_CPU, data, size), from any hook. A map declared
/// as on Windows (max_entries in bytes) has one slot per possible CPU once the object is opened (map adaptations).
class PerfEventConsumer
{
  public:
    /// Called once per record with the CPU that wrote it and its bytes (the kernel pads them to 8 bytes).
    using Callback = std::function<void(int cpu, std::span<const std::byte> record)>;

    /// map: a loaded perf event array (e.g. Object::map("events")); pages_per_cpu: buffer pages per CPU (a power of
    /// two). Throws Error naming the map.
    PerfEventConsumer(bpf_map *map, Callback callback, std::size_t pages_per_cpu = 8);
    PerfEventConsumer(const PerfEventConsumer &) = delete;
    PerfEventConsumer &operator=(const PerfEventConsumer &) = delete;
    ~PerfEventConsumer();

    /// Waits up to timeout for records and hands each to the callback; returns how many. EINTR returns 0; other
    /// failures throw Error.
    int poll(std::chrono::milliseconds timeout);
    /// Records the kernel dropped because a CPU's buffer was full (reported by the kernel, summed over CPUs).
    std::uint64_t lost() const noexcept { return lost_; }

  private:
    Callback callback_;
    perf_buffer *buffer_ = nullptr;
    int delivered_ = 0; // records handed to the callback during the current poll()
    std::uint64_t lost_ = 0;
};

} // namespace winbpf

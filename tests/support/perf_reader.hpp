// SPDX-License-Identifier: MIT
// Reader of a BPF_MAP_TYPE_PERF_EVENT_ARRAY (process helper checks, compatibility tests) (RAII over libbpf's
// perf_buffer); collects the samples' bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

struct bpf_map;
struct perf_buffer;

namespace winbpf::test
{

class PerfReader
{
  public:
    /// Opens one buffer per CPU on map. Throws winbpf::Error on failure.
    explicit PerfReader(bpf_map *map);
    PerfReader(const PerfReader &) = delete;
    PerfReader &operator=(const PerfReader &) = delete;
    ~PerfReader();

    /// Polls until done() or timeout; returns done()'s last value.
    bool poll_until(const std::function<bool()> &done, std::chrono::milliseconds timeout);
    const std::vector<std::vector<std::uint8_t>> &samples() const noexcept { return samples_; }
    std::uint64_t lost() const noexcept { return lost_; }

  private:
    perf_buffer *buffer_ = nullptr;
    std::vector<std::vector<std::uint8_t>> samples_;
    std::uint64_t lost_ = 0;
};

} // namespace winbpf::test

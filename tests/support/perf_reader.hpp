// SPDX-License-Identifier: MIT
// The records of a BPF_MAP_TYPE_PERF_EVENT_ARRAY collected through the loader's winbpf::PerfEventConsumer (process
// helper checks, compatibility tests).
#pragma once

#include "winbpf/perf_event.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

struct bpf_map;

namespace winbpf::test
{

class PerfReader
{
  public:
    /// Opens one buffer per CPU on map. Throws winbpf::Error on failure.
    explicit PerfReader(bpf_map *map);

    /// Polls until done() or timeout; returns done()'s last value.
    bool poll_until(const std::function<bool()> &done, std::chrono::milliseconds timeout);
    const std::vector<std::vector<std::uint8_t>> &samples() const noexcept { return samples_; }
    std::uint64_t lost() const noexcept { return consumer_.lost(); }

  private:
    std::vector<std::vector<std::uint8_t>> samples_;
    winbpf::PerfEventConsumer consumer_; ///< After samples_: its callback fills them.
};

} // namespace winbpf::test

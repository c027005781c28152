// SPDX-License-Identifier: MIT
#include "support/perf_reader.hpp"

#include <algorithm>

namespace winbpf::test
{

PerfReader::PerfReader(bpf_map *map)
    : consumer_(map, [this](int, std::span<const std::byte> record) {
          const auto *bytes = reinterpret_cast<const std::uint8_t *>(record.data());
          samples_.emplace_back(bytes, bytes + record.size());
      })
{
}

bool PerfReader::poll_until(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        consumer_.poll(std::min(left, std::chrono::milliseconds(50)));
    }
    return true;
}

} // namespace winbpf::test

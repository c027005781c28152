// SPDX-License-Identifier: MIT
#include "support/perf_reader.hpp"

#include "support/wait.hpp"

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
    return test::poll_until(consumer_, done, timeout);
}

} // namespace winbpf::test

// SPDX-License-Identifier: MIT
#include "support/perf_reader.hpp"

#include "winbpf/error.hpp"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace winbpf::test
{

PerfReader::PerfReader(bpf_map *map)
{
    auto on_sample = [](void *ctx, int, void *data, __u32 size) {
        const auto *bytes = static_cast<const std::uint8_t *>(data);
        static_cast<PerfReader *>(ctx)->samples_.emplace_back(bytes, bytes + size);
    };
    auto on_lost = [](void *ctx, int, __u64 count) { static_cast<PerfReader *>(ctx)->lost_ += count; };
    buffer_ = perf_buffer__new(bpf_map__fd(map), 8, on_sample, on_lost, this, nullptr);
    if (!buffer_)
        throw winbpf::Error("perf_buffer__new on map " + std::string(bpf_map__name(map)), errno);
}

PerfReader::~PerfReader()
{
    perf_buffer__free(buffer_);
}

bool PerfReader::poll_until(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        const int err = perf_buffer__poll(buffer_, static_cast<int>(std::min<long>(left.count(), 50)));
        if (err < 0 && err != -EINTR)
            throw winbpf::Error("perf_buffer__poll", -err);
    }
    return true;
}

} // namespace winbpf::test

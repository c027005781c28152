// SPDX-License-Identifier: MIT
// Loader-written shim configuration (struct winbpf_config of winbpf/abi.h).
#include "internal.hpp"
#include "winbpf/error.hpp"

#include <linux/types.h>

#include "winbpf/abi.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstdint>
#include <ctime>

namespace winbpf::detail
{

namespace
{
std::int64_t clock_ns(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
} // namespace

void write_config(bpf_map *config, const std::string &object_name)
{
    // The boottime reading is taken on both sides of the realtime one to cancel the time between the calls.
    std::int64_t boot_before = clock_ns(CLOCK_BOOTTIME);
    std::int64_t realtime = clock_ns(CLOCK_REALTIME);
    std::int64_t boot_after = clock_ns(CLOCK_BOOTTIME);
    winbpf_config value{};
    value.realtime_minus_boottime_ns = realtime - (boot_before + (boot_after - boot_before) / 2);
    value.valid = 1;
    __u32 zero = 0;
    if (bpf_map_update_elem(bpf_map__fd(config), &zero, &value, BPF_ANY) != 0) {
        int err = errno;
        throw Error(object_name + ": writing map " WINBPF_MAP_CONFIG ": " + errno_text(err), err);
    }
}

} // namespace winbpf::detail

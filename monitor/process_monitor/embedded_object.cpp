// SPDX-License-Identifier: MIT
#include "embedded_object.hpp"

#include "process_monitor.skel.h"

namespace winbpf::monitor
{

std::span<const std::byte> process_monitor_elf() noexcept
{
    std::size_t size = 0;
    const void *data = process_monitor_bpf__elf_bytes(&size);
    return {static_cast<const std::byte *>(data), size};
}

} // namespace winbpf::monitor

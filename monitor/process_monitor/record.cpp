// SPDX-License-Identifier: MIT
#include "record.hpp"

#include <cstring>

namespace winbpf::monitor
{

const char *decode_status_name(DecodeStatus status) noexcept
{
    switch (status) {
    case DecodeStatus::ok:
        return "ok";
    case DecodeStatus::too_short:
        return "record too short";
    case DecodeStatus::bad_operation:
        return "unknown operation";
    case DecodeStatus::bad_sid_size:
        return "token_sid_size too large";
    case DecodeStatus::odd_string:
        return "odd UTF-16 string size";
    case DecodeStatus::size_mismatch:
        return "size mismatch";
    }
    return "unknown";
}

DecodeStatus decode_record(std::span<const std::byte> bytes, Record &out) noexcept
{
    constexpr std::size_t fixed_size = sizeof(process_monitor_event);
    if (bytes.size() < fixed_size)
        return DecodeStatus::too_short;
    std::memcpy(&out.fixed, bytes.data(), fixed_size);
    const process_monitor_event &f = out.fixed;
    if (f.operation != static_cast<std::uint8_t>(Operation::create) &&
        f.operation != static_cast<std::uint8_t>(Operation::destroy))
        return DecodeStatus::bad_operation;
    if (f.token_sid_size > PROCESS_MONITOR_SID_MAX)
        return DecodeStatus::bad_sid_size;
    if (bytes.size() < fixed_size + f.token_sid_size)
        return DecodeStatus::size_mismatch;
    out.token_sid = {reinterpret_cast<const std::uint8_t *>(bytes.data()) + fixed_size, f.token_sid_size};

    std::size_t expected = fixed_size + f.token_sid_size;
    if (out.has_strings()) {
        const std::size_t sizes[] = {f.account_name_size, f.account_domain_size, f.image_path_size,
                                     f.command_line_size};
        for (std::size_t size : sizes)
            if (size % 2 != 0)
                return DecodeStatus::odd_string;
        expected += sizes[0] + sizes[1] + sizes[2] + sizes[3];
        if (bytes.size() < expected || bytes.size() - expected >= 8)
            return DecodeStatus::size_mismatch;
        std::size_t offset = fixed_size + f.token_sid_size;
        std::span<const std::byte> *views[] = {&out.account_name, &out.account_domain, &out.image_path,
                                               &out.command_line};
        for (std::size_t i = 0; i < 4; ++i) {
            *views[i] = bytes.subspan(offset, sizes[i]);
            offset += sizes[i];
        }
    } else {
        if (bytes.size() - expected >= 8)
            return DecodeStatus::size_mismatch;
        out.account_name = out.account_domain = out.image_path = out.command_line = {};
    }
    return DecodeStatus::ok;
}

} // namespace winbpf::monitor

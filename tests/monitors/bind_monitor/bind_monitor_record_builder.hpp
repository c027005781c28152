// SPDX-License-Identifier: MIT
// Builds ring buffer records as bpf/bind_monitor.c writes them, for the unit tests.
#pragma once

#include "bind_monitor.hpp"
#include "record_builder.hpp" // utf16le

#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace winbpf::monitor::test
{

/// The fields of one bind_monitor_event record.
struct BindRecordSpec {
    BindOperation operation = BindOperation::bind;
    BindAction action = BindAction::permit;
    std::uint64_t timestamp_ns = 5'000'123'456; ///< CLOCK_BOOTTIME
    std::uint64_t process_id = 4321;
    unsigned family = 4;                                   ///< 4 or 6
    std::array<std::uint8_t, 16> address = {127, 0, 0, 1}; ///< first 4 bytes for IPv4
    std::uint16_t port = 0;                                ///< host order
    std::uint8_t protocol = 6;                             ///< IPPROTO_TCP
    std::uint32_t bind_count = 0;
    std::u16string app_id = u"python3";
    bool nul = true;         ///< app id followed by its NUL, as the hook gives it
    std::size_t padding = 0; ///< ring buffer alignment bytes after the app id
};

/// Serializes spec: the fixed part (SOCKADDR_IN or SOCKADDR_IN6 with Windows family 2 / 23), the UTF-16LE app id.
inline std::vector<std::byte> build_bind_record(const BindRecordSpec &spec)
{
    std::vector<std::byte> app_id = utf16le(spec.app_id);
    if (spec.nul)
        app_id.insert(app_id.end(), 2, std::byte{0});
    bind_monitor_event fixed{};
    fixed.timestamp_ns = spec.timestamp_ns;
    fixed.process_id = spec.process_id;
    const std::uint16_t family = spec.family == 6 ? 23 : 2;
    const std::uint16_t port = htons(spec.port);
    std::memcpy(fixed.socket_address, &family, 2);
    std::memcpy(fixed.socket_address + 2, &port, 2);
    if (spec.family == 6)
        std::memcpy(fixed.socket_address + 8, spec.address.data(), 16);
    else
        std::memcpy(fixed.socket_address + 4, spec.address.data(), 4);
    fixed.socket_address_length = spec.family == 6 ? 28 : 16;
    fixed.operation = static_cast<std::uint8_t>(spec.operation);
    fixed.protocol = spec.protocol;
    fixed.action = static_cast<std::uint8_t>(spec.action);
    fixed.bind_count = spec.bind_count;
    fixed.app_id_size = static_cast<std::uint16_t>(app_id.size());

    // One allocation, zero-filled padding (GCC 12 misreads a zero-length insert as out of bounds).
    std::vector<std::byte> record(sizeof(fixed) + app_id.size() + spec.padding);
    std::memcpy(record.data(), &fixed, sizeof(fixed));
    if (!app_id.empty())
        std::memcpy(record.data() + sizeof(fixed), app_id.data(), app_id.size());
    return record;
}

/// The fixed part of a record, to change a field after building.
inline bind_monitor_event &fixed_part(std::vector<std::byte> &record)
{
    return *reinterpret_cast<bind_monitor_event *>(record.data());
}

} // namespace winbpf::monitor::test

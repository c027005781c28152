// SPDX-License-Identifier: MIT
// Builds ring buffer records as bpf/process_monitor.c writes them, for the unit tests.
#pragma once

#include "process_monitor.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace winbpf::monitor::test
{

/// UTF-16LE bytes of a UTF-16 string.
inline std::vector<std::byte> utf16le(const std::u16string &text)
{
    std::vector<std::byte> bytes;
    for (char16_t unit : text) {
        bytes.push_back(static_cast<std::byte>(unit & 0xFF));
        bytes.push_back(static_cast<std::byte>(unit >> 8));
    }
    return bytes;
}

/// The fields of one record.
struct RecordSpec {
    Operation operation = Operation::create;
    std::uint32_t process_id = 1234;
    std::uint32_t parent_process_id = 1;
    std::uint64_t creation_time = 134397726701234567ULL;
    std::uint64_t exit_time = 0;
    std::uint32_t exit_code = 0;
    std::uint32_t uid = 1000;
    bool strings = true;
    std::u16string account_name = u"alice";
    std::u16string account_domain = u"host";
    std::u16string image_path = u"/usr/bin/true";
    std::u16string command_line = u"true";
    bool command_line_truncated = false; ///< PROCESS_MONITOR_FLAG_COMMAND_TRUNCATED
    bool never_executed = false;         ///< PROCESS_MONITOR_FLAG_NEVER_EXECUTED
};

/// Serializes spec: fixed part, the 16-byte SID S-1-22-1-<uid>, then (when spec.strings) the four UTF-16LE strings.
inline std::vector<std::byte> build_record(const RecordSpec &spec)
{
    process_monitor_event fixed{};
    fixed.timestamp = spec.operation == Operation::create ? spec.creation_time : spec.exit_time;
    fixed.creation_time = spec.creation_time;
    fixed.process_id = spec.process_id;
    fixed.parent_process_id = spec.parent_process_id;
    fixed.creating_process_id = spec.parent_process_id;
    fixed.creating_thread_id = spec.parent_process_id;
    fixed.process_exit_code = spec.exit_code;
    fixed.operation = static_cast<std::uint8_t>(spec.operation);
    fixed.token_sid_size = 16;
    if (spec.command_line_truncated)
        fixed.flags |= PROCESS_MONITOR_FLAG_COMMAND_TRUNCATED;
    if (spec.never_executed)
        fixed.flags |= PROCESS_MONITOR_FLAG_NEVER_EXECUTED;
    const std::uint8_t sid[16] = {1,
                                  2,
                                  0,
                                  0,
                                  0,
                                  0,
                                  0,
                                  22,
                                  1,
                                  0,
                                  0,
                                  0,
                                  static_cast<std::uint8_t>(spec.uid),
                                  static_cast<std::uint8_t>(spec.uid >> 8),
                                  static_cast<std::uint8_t>(spec.uid >> 16),
                                  static_cast<std::uint8_t>(spec.uid >> 24)};
    std::vector<std::byte> strings(reinterpret_cast<const std::byte *>(sid),
                                   reinterpret_cast<const std::byte *>(sid) + sizeof(sid));
    if (spec.strings) {
        fixed.flags |= PROCESS_MONITOR_FLAG_STRINGS;
        const std::u16string *parts[] = {&spec.account_name, &spec.account_domain, &spec.image_path,
                                         &spec.command_line};
        std::uint16_t *sizes[] = {&fixed.account_name_size, &fixed.account_domain_size, &fixed.image_path_size,
                                  &fixed.command_line_size};
        for (int i = 0; i < 4; ++i) {
            const auto bytes = utf16le(*parts[i]);
            *sizes[i] = static_cast<std::uint16_t>(bytes.size());
            strings.insert(strings.end(), bytes.begin(), bytes.end());
        }
    }
    std::vector<std::byte> record(sizeof(fixed) + strings.size());
    std::memcpy(record.data(), &fixed, sizeof(fixed));
    std::memcpy(record.data() + sizeof(fixed), strings.data(), strings.size());
    return record;
}

/// The DELETE of the process spec created: one second (10^7 FILETIME ticks) after its creation, with its strings
/// only when strings is true. Everything else (exit_code included) is spec's.
inline RecordSpec delete_of(RecordSpec spec, bool strings = false)
{
    spec.operation = Operation::destroy;
    spec.strings = strings;
    spec.exit_time = spec.creation_time + 10000000;
    return spec;
}

} // namespace winbpf::monitor::test

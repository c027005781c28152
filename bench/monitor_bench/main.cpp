// SPDX-License-Identifier: MIT
// Userspace CPU per ring buffer record of process_monitor: CREATE+DELETE pairs of one fork+exec, built in memory
// as bpf/process_monitor.c writes them, go through EventPrinter::handle into one reused buffer, as in session.cpp.
#include "event_printer.hpp"
#include "filetime.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace winbpf::monitor
{
namespace
{

/// Records of the same workload, consumed in a loop: distinct process ids, so the process table sees what it sees
/// live (each CREATE inserts, each DELETE removes).
constexpr std::uint32_t pairs = 1024;
/// What session.cpp writes out at (it then clears the buffer).
constexpr std::size_t flush_threshold = 64 * 1024;
/// An exec every millisecond (about what one core of fork+exec of /bin/true gives).
constexpr std::uint64_t exec_interval = 10'000;
/// Process lifetime: exit 0.5 ms after the exec.
constexpr std::uint64_t lifetime = 5'000;

void append_utf16le(std::vector<std::byte> &out, std::u16string_view text)
{
    for (char16_t unit : text) {
        out.push_back(static_cast<std::byte>(unit & 0xFF));
        out.push_back(static_cast<std::byte>(unit >> 8));
    }
}

struct Strings {
    std::u16string_view account_name;
    std::u16string_view account_domain;
    std::u16string_view image_path;
    std::u16string_view command_line;
};

/// S-1-22-1-0 (root) as the BPF side writes it after the fixed part.
constexpr std::uint8_t root_sid[] = {1, 2, 0, 0, 0, 0, 0, 22, 1, 0, 0, 0, 0, 0, 0, 0};

/// A record as the BPF side writes it: fixed part, root's SID, then the strings when given, padded to 8 bytes like
/// the ring.
std::vector<std::byte> build_record(const process_monitor_event &fixed_in, const Strings *strings)
{
    process_monitor_event fixed = fixed_in;
    fixed.token_sid_size = sizeof(root_sid);
    std::vector<std::byte> tail(reinterpret_cast<const std::byte *>(root_sid),
                                reinterpret_cast<const std::byte *>(root_sid) + sizeof(root_sid));
    if (strings) {
        fixed.flags |= PROCESS_MONITOR_FLAG_STRINGS;
        const std::u16string_view parts[] = {strings->account_name, strings->account_domain, strings->image_path,
                                             strings->command_line};
        std::uint16_t *sizes[] = {&fixed.account_name_size, &fixed.account_domain_size, &fixed.image_path_size,
                                  &fixed.command_line_size};
        for (int i = 0; i < 4; ++i) {
            *sizes[i] = static_cast<std::uint16_t>(parts[i].size() * 2);
            append_utf16le(tail, parts[i]);
        }
    }
    std::vector<std::byte> record((sizeof(fixed) + tail.size() + 7) / 8 * 8);
    std::memcpy(record.data(), &fixed, sizeof(fixed));
    if (!tail.empty())
        std::memcpy(record.data() + sizeof(fixed), tail.data(), tail.size());
    return record;
}

/// CREATE+DELETE pairs of `pairs` fork+execs of one program by root.
std::vector<std::vector<std::byte>> build_workload(const Strings &strings)
{
    const std::uint64_t start = filetime_unix_epoch + 17'640'000'000'000'000ULL; // 2025-11-24
    std::vector<std::vector<std::byte>> records;
    for (std::uint32_t i = 0; i < pairs; ++i) {
        process_monitor_event fixed{};
        fixed.process_id = 100'000 + i;
        fixed.parent_process_id = fixed.creating_process_id = fixed.creating_thread_id = 4321;
        fixed.creation_time = fixed.timestamp = start + i * exec_interval;
        fixed.operation = 0; // CREATE
        records.push_back(build_record(fixed, &strings));

        fixed.operation = 1;                              // DELETE, strings known from the CREATE
        fixed.timestamp = fixed.creation_time + lifetime; // a DELETE's timestamp is its exit time
        records.push_back(build_record(fixed, nullptr));
    }
    return records;
}

void run(benchmark::State &state, OutputFormat format, const Strings &strings)
{
    const auto records = build_workload(strings);
    EventPrinter printer(format);
    std::string out;
    out.reserve(2 * flush_threshold);
    std::size_t bytes = 0;
    for (auto _ : state) {
        for (const auto &record : records) {
            if (printer.handle(record, out) != DecodeStatus::ok) {
                state.SkipWithError("record not decoded");
                return;
            }
            if (out.size() >= flush_threshold) {
                bytes += out.size();
                benchmark::DoNotOptimize(out.data());
                out.clear();
            }
        }
    }
    bytes += out.size();
    const auto total = static_cast<double>(state.iterations() * records.size());
    state.counters["ns_per_record"] =
        benchmark::Counter(total, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    state.counters["bytes_per_record"] = static_cast<double>(bytes) / total;
}

const Strings true_strings{u"root", u"vm", u"/usr/bin/true", u"/bin/true"};

// A longer command line, as a build runs them (390 characters).
const Strings long_strings{
    u"root", u"vm", u"/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus",
    u"/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus -quiet -I /work/main/loader/include -I /work/main/bpf "
    u"-imultiarch x86_64-linux-gnu -D_GNU_SOURCE /work/main/monitor/process_monitor/event_format.cpp -quiet "
    u"-dumpdir CMakeFiles/process_monitor_core.dir/ -dumpbase event_format.cpp.cpp -mtune=generic -march=x86-64 "
    u"-g -O2 -Wall -Wextra -Werror -std=c++20 -fasynchronous-unwind-tables -o /tmp/ccXyZ123.s"};

void human_true(benchmark::State &state)
{
    run(state, OutputFormat::human, true_strings);
}
void json_true(benchmark::State &state)
{
    run(state, OutputFormat::json, true_strings);
}
void human_long_command(benchmark::State &state)
{
    run(state, OutputFormat::human, long_strings);
}
void json_long_command(benchmark::State &state)
{
    run(state, OutputFormat::json, long_strings);
}

BENCHMARK(human_true);
BENCHMARK(json_true);
BENCHMARK(human_long_command);
BENCHMARK(json_long_command);

} // namespace
} // namespace winbpf::monitor

BENCHMARK_MAIN();

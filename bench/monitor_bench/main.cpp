// SPDX-License-Identifier: MIT
// Userspace CPU per ring buffer record of each monitor, human and JSON: records built in memory as the BPF programs
// write them (process_monitor: CREATE+DELETE pairs of one fork+exec; bind_monitor: BIND, POST_BIND and UNBIND of one
// socket; netevent_monitor: UDP drops to a closed port) go through the monitor's formatter into one reused buffer,
// as in monitor/common/session.cpp. With --replay FILE, also the records of a recording (a monitor's --record FILE)
// through the formatter of the monitor that made it: replay/<tool>/human and replay/<tool>/json.
#include "bind_monitor.hpp"
#include "bind_monitor_record_builder.hpp"
#include "common/format.hpp"    // filetime_unix_epoch
#include "common/recording.hpp" // read_recording
#include "common/session.hpp"   // flush_threshold
#include "netevent_monitor.hpp"
#include "netevent_record_builder.hpp"
#include "process_monitor.hpp"
#include "record_builder.hpp"

#include "winbpf/error.hpp"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace winbpf::monitor
{
namespace
{

/// Records of the same workload, consumed in a loop: distinct process ids, so the process table sees what it sees
/// live (each CREATE inserts, each DELETE removes).
constexpr std::uint32_t pairs = 1024;
/// An exec every millisecond (about what one core of fork+exec of /bin/true gives).
constexpr std::uint64_t exec_interval = 10'000;
/// Process lifetime: exit 0.5 ms after the exec.
constexpr std::uint64_t lifetime = 5'000;

struct Strings {
    std::u16string account_name;
    std::u16string account_domain;
    std::u16string image_path;
    std::u16string command_line;
};

/// CREATE+DELETE pairs of `pairs` fork+execs of one program by root, built like the unit tests' records.
std::vector<std::vector<std::byte>> build_workload(const Strings &strings)
{
    const std::uint64_t start = filetime_unix_epoch + 17'640'000'000'000'000ULL; // 2025-11-24
    std::vector<std::vector<std::byte>> records;
    for (std::uint32_t i = 0; i < pairs; ++i) {
        test::RecordSpec spec;
        spec.process_id = 100'000 + i;
        spec.parent_process_id = 4321;
        spec.uid = 0;
        spec.creation_time = start + i * exec_interval;
        spec.account_name = strings.account_name;
        spec.account_domain = strings.account_domain;
        spec.image_path = strings.image_path;
        spec.command_line = strings.command_line;
        records.push_back(test::build_record(spec));

        spec.operation = Operation::destroy; // strings known from the CREATE
        spec.strings = false;
        spec.exit_time = spec.creation_time + lifetime;
        records.push_back(test::build_record(spec));
    }
    return records;
}

bool decoded(RecordStatus status)
{
    return status.is_ok();
}

/// Formats records into one reused buffer, flushed at flush_threshold as the session does; reports ns and bytes per
/// record.
template <typename Formatter>
void consume(benchmark::State &state, Formatter &formatter, const std::vector<std::vector<std::byte>> &records)
{
    std::string out;
    out.reserve(2 * flush_threshold);
    std::size_t bytes = 0;
    for (auto _ : state) {
        for (const auto &record : records) {
            if (!decoded(formatter.format(record, out))) {
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

void run(benchmark::State &state, OutputFormat format, const Strings &strings)
{
    ProcessMonitorFormatter formatter(format);
    consume(state, formatter, build_workload(strings));
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

/// BIND, POST_BIND (port chosen) and UNBIND of `pairs` sockets of one process, as bind_monitor sees a server start.
void bind_events(benchmark::State &state, OutputFormat format)
{
    std::vector<std::vector<std::byte>> records;
    for (std::uint32_t i = 0; i < pairs; ++i)
        for (const BindOperation operation : {BindOperation::bind, BindOperation::post_bind, BindOperation::unbind}) {
            test::BindRecordSpec spec;
            spec.operation = operation;
            spec.timestamp_ns = 5'000'000'000ULL + i * 10'000ULL;
            spec.port = operation == BindOperation::bind ? 0 : static_cast<std::uint16_t>(32768 + i);
            spec.bind_count = operation == BindOperation::post_bind ? 1 : 0;
            spec.app_id = u"bind_generator";
            records.push_back(test::build_bind_record(spec));
        }
    BindMonitorFormatter formatter(format, 1'700'000'000'000'000'000LL);
    consume(state, formatter, records);
}
void bind_human(benchmark::State &state)
{
    bind_events(state, OutputFormat::human);
}
void bind_json(benchmark::State &state)
{
    bind_events(state, OutputFormat::json);
}

/// Drops of 64-byte UDP datagrams to a closed port, as winbpf_bench drop makes them (reason 2, NO_SOCKET here).
void drop_events(benchmark::State &state, OutputFormat format)
{
    std::vector<std::vector<std::byte>> records;
    for (std::uint32_t i = 0; i < pairs; ++i) {
        test::NeteventRecordSpec spec;
        spec.payload = test::ipv4_packet(IPPROTO_UDP, {127, 0, 0, 1}, {127, 0, 0, 1},
                                         static_cast<std::uint16_t>(40000 + i), 9, std::string(64, 'x'));
        records.push_back(test::build_netevent_record(spec));
    }
    KernelNames names{EnumNames({{2, "NO_SOCKET"}}), EnumNames({{1, "TCP_ESTABLISHED"}})};
    NeteventMonitorFormatter formatter(format, std::move(names));
    consume(state, formatter, records);
}
void drop_human(benchmark::State &state)
{
    drop_events(state, OutputFormat::human);
}
void drop_json(benchmark::State &state)
{
    drop_events(state, OutputFormat::json);
}

BENCHMARK(human_true);
BENCHMARK(json_true);
BENCHMARK(human_long_command);
BENCHMARK(json_long_command);
BENCHMARK(bind_human);
BENCHMARK(bind_json);
BENCHMARK(drop_human);
BENCHMARK(drop_json);

/// Registers replay/<tool>/human and replay/<tool>/json over recording's records. Throws winbpf::Error for a recording
/// of an unknown tool, or (netevent_monitor) when the running kernel has no BTF for the reason names.
void register_replay(const Recording &recording)
{
    for (const OutputFormat format : {OutputFormat::human, OutputFormat::json}) {
        const std::string name = "replay/" + recording.tool + (format == OutputFormat::json ? "/json" : "/human");
        if (recording.tool == "process_monitor") {
            benchmark::RegisterBenchmark(name.c_str(), [&recording, format](benchmark::State &state) {
                ProcessMonitorFormatter formatter(format);
                consume(state, formatter, recording.records);
            });
        } else if (recording.tool == "bind_monitor") {
            benchmark::RegisterBenchmark(name.c_str(), [&recording, format](benchmark::State &state) {
                BindMonitorFormatter formatter(format, recording.realtime_minus_boottime_ns);
                consume(state, formatter, recording.records);
            });
        } else if (recording.tool == "netevent_monitor") {
            benchmark::RegisterBenchmark(name.c_str(),
                                         [&recording, format, names = load_kernel_names()](benchmark::State &state) {
                                             NeteventMonitorFormatter formatter(format, names);
                                             consume(state, formatter, recording.records);
                                         });
        } else {
            throw Error("recording of an unknown monitor '" + recording.tool + "'", EINVAL);
        }
    }
}

} // namespace
} // namespace winbpf::monitor

/// Google Benchmark's main plus --replay FILE (taken out of argv before Google Benchmark parses it).
int main(int argc, char **argv)
{
    std::string replay;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--replay" && i + 1 < argc)
            replay = argv[++i];
        else if (arg.starts_with("--replay="))
            replay = arg.substr(9);
        else
            argv[kept++] = argv[i];
    }
    argc = kept;

    winbpf::monitor::Recording recording;
    if (!replay.empty()) {
        try {
            recording = winbpf::monitor::read_recording(replay);
            if (!recording.damage.empty())
                std::fprintf(stderr, "monitor_bench: recording damaged after its last complete record (%s)\n",
                             recording.damage.c_str());
            winbpf::monitor::register_replay(recording);
        } catch (const std::exception &error) {
            std::fprintf(stderr, "monitor_bench: %s\n", error.what());
            return 1;
        }
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

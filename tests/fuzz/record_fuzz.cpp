// SPDX-License-Identifier: MIT
// libFuzzer target: the monitors' record decoders and formatters (process, bind, netevent; human and JSON) on
// arbitrary ring buffer records. The input is a sequence of records, each led by a 2-byte little-endian length, so
// CREATE/DELETE sequences reach the process table; byte 0 picks the output format. Every malformed record must be
// reported as such (never crash, hang or overrun), every line must end with exactly one newline, and a JSON line must
// parse.
#include "bind_monitor.hpp"
#include "netevent_monitor.hpp"
#include "process_monitor.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

namespace
{

using namespace winbpf::monitor;

void check_lines(const std::string &out, std::size_t before, OutputFormat format)
{
    if (out.size() == before)
        return;
    if (out.back() != '\n')
        std::abort();
    std::size_t start = before;
    for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1)
        if (format == OutputFormat::json &&
            nlohmann::json::parse(out.begin() + static_cast<std::ptrdiff_t>(start),
                                  out.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false)
                .is_discarded())
            std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const OutputFormat format = (data[0] & 1) ? OutputFormat::json : OutputFormat::human;
    ProcessMonitorFormatter process(format);
    BindMonitorFormatter bind(format, 0);
    NeteventMonitorFormatter netevent(format, KernelNames{});
    std::string out;
    std::size_t at = 1;
    while (at + 3 <= size) {
        const std::size_t length = data[at] | (static_cast<std::size_t>(data[at + 1]) << 8);
        const unsigned which = data[at + 2] % 3;
        at += 3;
        const std::size_t take = length < size - at ? length : size - at;
        const std::span<const std::byte> record(reinterpret_cast<const std::byte *>(data + at), take);
        at += take;
        const std::size_t before = out.size();
        if (which == 0)
            process.format(record, out);
        else if (which == 1)
            bind.format(record, out);
        else
            netevent.format(record, out);
        check_lines(out, before, format);
    }
    return 0;
}

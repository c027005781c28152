// SPDX-License-Identifier: MIT
#include "added_time.hpp"

#include <string>

namespace winbpf::bench
{

void print_added_time_lines(const Summaries &summaries, std::string_view tool_name, std::string_view unit_name,
                            std::FILE *out)
{
    const std::string tool(tool_name), unit(unit_name);
    const ModeSummary *bare = summaries.find("bare");
    const ModeSummary *monitor = summaries.find(tool);
    if (bare && bare->op_us)
        std::fprintf(out, "\ntime per %s: bare %.3f us%s", unit.c_str(), bare->op_us->median,
                     format_ci(*bare->op_us).c_str());
    if (!monitor || !monitor->op_us || !monitor->added_us || !monitor->slowdown) {
        std::fputc('\n', out);
        return;
    }
    std::fprintf(out, ", with %s %.3f us%s\n", tool.c_str(), monitor->op_us->median,
                 format_ci(*monitor->op_us).c_str());
    std::fprintf(out, "%s: added %.3f us per %s%s, time ratio %.3f%s", tool.c_str(), monitor->added_us->median,
                 unit.c_str(), format_ci(*monitor->added_us, "%.3f").c_str(), monitor->slowdown->median,
                 format_ci(*monitor->slowdown).c_str());
    if (monitor->bpf_us && monitor->bpf_runs)
        std::fprintf(out, "; BPF run time %.3f us per %s%s (%.2f runs per %s)", monitor->bpf_us->median, unit.c_str(),
                     format_ci(*monitor->bpf_us).c_str(), monitor->bpf_runs->median, unit.c_str());
    if (monitor->tool_us)
        std::fprintf(out, "; tool CPU %.3f us per %s", monitor->tool_us->median, unit.c_str());
    std::fputc('\n', out);
}

void print_added_time_verdict(const Summaries &summaries, std::string_view tool, std::string_view unit_name,
                              double target_us, std::FILE *out)
{
    const ModeSummary *monitor = summaries.find(tool);
    if (!monitor || !monitor->added_us)
        return;
    const std::string unit(unit_name);
    const Spread &added = *monitor->added_us;
    const char *verdict = added.median <= target_us ? "PASS" : "FAIL";
    std::fprintf(out, "target: added time per %s <= %.2f us %s (median %.3f us)\n", unit.c_str(), target_us, verdict,
                 added.median);
    if (!added.median_ci)
        std::fputs("added time: too few rounds for a confidence interval; use --rounds 6 or more\n", out);
    else if (added.median_ci->first <= target_us && added.median_ci->second > target_us)
        std::fprintf(out,
                     "added time: the 95%% confidence interval of the median (%.3f-%.3f us) contains the target "
                     "%.2f us, so this run cannot decide it; more --rounds or -n narrow the interval\n",
                     added.median_ci->first, added.median_ci->second, target_us);
    else
        std::fprintf(out, "added time: the 95%% confidence interval of the median (%.3f-%.3f us) is %s the target\n",
                     added.median_ci->first, added.median_ci->second,
                     added.median_ci->second <= target_us ? "below" : "above");
}

} // namespace winbpf::bench

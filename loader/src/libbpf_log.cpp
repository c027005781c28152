// SPDX-License-Identifier: MIT
// Capture of libbpf's messages, so errors can carry them (e.g. the verifier log of a rejected program).
#include "internal.hpp"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace winbpf::detail
{

namespace
{

thread_local std::string *capture_text = nullptr;
std::mutex print_mutex;
libbpf_print_fn_t chained_print = nullptr; // the callback that was installed before the first capture
int capture_depth = 0;

int capture_print(enum libbpf_print_level level, const char *format, va_list args)
{
    if (capture_text == nullptr) {
        libbpf_print_fn_t next;
        {
            std::lock_guard lock(print_mutex);
            next = chained_print;
        }
        return next ? next(level, format, args) : 0;
    }
    if (level == LIBBPF_DEBUG)
        return 0;
    va_list copy;
    va_copy(copy, args);
    int n = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (n <= 0)
        return 0;
    std::string line(static_cast<std::size_t>(n) + 1, '\0');
    std::vsnprintf(line.data(), line.size(), format, args);
    line.resize(static_cast<std::size_t>(n));
    capture_text->append(line);
    return n;
}

} // namespace

LogCapture::LogCapture() : outer_(capture_text)
{
    capture_text = &text_;
    std::lock_guard lock(print_mutex);
    if (capture_depth++ == 0) {
        libbpf_print_fn_t previous = libbpf_set_print(capture_print);
        if (previous != capture_print)
            chained_print = previous;
    }
}

LogCapture::~LogCapture()
{
    capture_text = outer_;
    if (outer_ != nullptr)
        outer_->append(text_);
    std::lock_guard lock(print_mutex);
    if (--capture_depth == 0)
        libbpf_set_print(chained_print);
}

std::optional<VerifierFailure> find_verifier_failure(const std::string &log)
{
    static constexpr std::string_view failed = "': BPF program load failed";
    static constexpr std::string_view begin = "-- BEGIN PROG LOAD LOG --\n";
    static constexpr std::string_view end = "-- END PROG LOAD LOG --";
    auto at = log.find(failed);
    if (at == std::string::npos)
        return std::nullopt;
    auto quote = log.rfind("prog '", at);
    if (quote == std::string::npos)
        return std::nullopt;
    VerifierFailure failure;
    failure.program = log.substr(quote + 6, at - quote - 6);
    auto from = log.find(begin, at);
    if (from != std::string::npos) {
        from += begin.size();
        auto to = log.find(end, from);
        failure.log = log.substr(from, to == std::string::npos ? std::string::npos : to - from);
    }
    // Very long logs (every explored path) end with the reason; keep the end.
    constexpr std::size_t keep = 64 * 1024;
    if (failure.log.size() > keep) {
        std::size_t cut = failure.log.size() - keep;
        auto nl = failure.log.find('\n', cut);
        cut = nl == std::string::npos ? cut : nl + 1;
        failure.log = "... (" + std::to_string(cut) + " bytes of the log omitted)\n" + failure.log.substr(cut);
    }
    return failure;
}

std::string verifier_limit_note(const std::string &log)
{
    static constexpr std::string_view jumps = "The sequence of ";
    static constexpr std::string_view too_complex = " jumps is too complex";
    const auto at = log.rfind(too_complex);
    const auto from = at == std::string::npos ? std::string::npos : log.rfind(jumps, at);
    if (from == std::string::npos)
        return {};
    const std::string count = log.substr(from + jumps.size(), at - from - jumps.size());
    // The last source line the verifier printed before it stopped: the branch it was following.
    std::string where = "the loop where the verifier stopped (no source line in the log: compile with -g)";
    std::size_t line_start = 0;
    while (line_start < at) {
        const std::size_t line_end = log.find('\n', line_start);
        const std::string_view line(log.data() + line_start,
                                    (line_end == std::string::npos ? log.size() : line_end) - line_start);
        const auto separator = line.rfind(" @ ");
        if (line.starts_with("; ") && separator != std::string_view::npos)
            where = "the loop at " + std::string(line.substr(separator + 3)) + " (`" +
                    std::string(line.substr(2, separator - 2)) + "`)";
        if (line_end == std::string::npos)
            break;
        line_start = line_end + 1;
    }
    return "winbpf: Linux's verifier refuses this program although eBPF for Windows' accepts it: it walks every "
           "iteration of a loop and keeps at most 8192 branches pending (BPF_COMPLEXITY_LIMIT_JMP_SEQ; this program "
           "made " +
           count + "), and " + where +
           " branches on data in each of its iterations. Rewrite the loop's body as the callback of "
           "bpf_loop(iterations, callback, &context, 0) (Linux 5.17+): the verifier checks the callback once.";
}

} // namespace winbpf::detail

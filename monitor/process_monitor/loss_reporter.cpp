// SPDX-License-Identifier: MIT
#include "loss_reporter.hpp"

#include <utility>

namespace winbpf::monitor
{

LossReporter::LossReporter(std::function<std::uint64_t()> kernel_lost, const EventPrinter &printer, std::FILE *stream)
    : kernel_lost_(std::move(kernel_lost)), printer_(printer), stream_(stream)
{
}

void LossReporter::check()
{
    const std::uint64_t kernel = kernel_lost_();
    const std::uint64_t malformed = printer_.malformed();
    const auto total = static_cast<unsigned long long>(kernel + malformed);
    if (kernel > kernel_) {
        std::fprintf(stream_, "process_monitor: lost %llu events (total %llu): ring buffer full\n",
                     static_cast<unsigned long long>(kernel - kernel_), total);
        kernel_ = kernel;
    }
    if (malformed > malformed_) {
        std::fprintf(stream_, "process_monitor: lost %llu events (total %llu): malformed record (%s)\n",
                     static_cast<unsigned long long>(malformed - malformed_), total,
                     decode_status_name(printer_.last_error()));
        malformed_ = malformed;
    }
}

} // namespace winbpf::monitor

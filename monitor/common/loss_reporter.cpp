// SPDX-License-Identifier: MIT
#include "common/loss_reporter.hpp"

#include <utility>

namespace winbpf::monitor
{

LossReporter::LossReporter(std::string tool, std::function<std::uint64_t()> kernel_lost, std::FILE *stream)
    : tool_(std::move(tool)), kernel_lost_(std::move(kernel_lost)), stream_(stream)
{
}

void LossReporter::count(RecordStatus status) noexcept
{
    ++received_;
    if (!status.is_ok()) {
        ++malformed_;
        last_reason_ = status.reason();
    }
}

void LossReporter::check()
{
    const std::uint64_t kernel = kernel_lost_();
    const auto total = static_cast<unsigned long long>(kernel + malformed_);
    if (kernel > kernel_reported_) {
        std::fprintf(stream_, "%s: lost %llu events (total %llu): ring buffer full\n", tool_.c_str(),
                     static_cast<unsigned long long>(kernel - kernel_reported_), total);
        const std::uint64_t count = kernel - kernel_reported_;
        kernel_reported_ = kernel;
        if (listener_)
            listener_(LossStage::bpf, "ring_buffer_full", count, kernel);
    }
    if (malformed_ > malformed_reported_) {
        std::fprintf(stream_, "%s: lost %llu events (total %llu): malformed record (%s)\n", tool_.c_str(),
                     static_cast<unsigned long long>(malformed_ - malformed_reported_), total, last_reason_);
        const std::uint64_t count = malformed_ - malformed_reported_;
        malformed_reported_ = malformed_;
        if (listener_)
            listener_(LossStage::consumer, "malformed_record", count, malformed_);
    }
}

} // namespace winbpf::monitor

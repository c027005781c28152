// SPDX-License-Identifier: MIT
#include "common/loss_reporter.hpp"
#include "process_monitor.hpp"
#include "record_builder.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace winbpf::monitor
{
namespace
{

/// Everything written to a temporary FILE.
class CapturedStream
{
  public:
    CapturedStream() : file_(std::tmpfile(), &std::fclose) {}
    std::FILE *get() const { return file_.get(); }
    std::string text() const
    {
        std::fflush(file_.get());
        std::rewind(file_.get());
        std::string text;
        for (int c; (c = std::fgetc(file_.get())) != EOF;)
            text += static_cast<char>(c);
        return text;
    }

  private:
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> file_;
};

TEST(LossReporter, ReportsEachSourceWhenItGrows)
{
    CapturedStream stream;
    ASSERT_NE(stream.get(), nullptr);
    ProcessMonitorFormatter formatter(OutputFormat::human);
    std::uint64_t kernel = 0;
    LossReporter losses(
        "process_monitor", [&] { return kernel; }, stream.get());

    losses.check();
    EXPECT_EQ(stream.text(), "");
    EXPECT_EQ(losses.total(), 0u);

    kernel = 5;
    losses.check();
    losses.check(); // no growth, no line
    EXPECT_EQ(stream.text(), "process_monitor: lost 5 events (total 5): ring buffer full\n");

    std::string out;
    const auto good = test::build_record(test::RecordSpec{});
    // userspace cannot decode it
    losses.count(formatter.format(std::span(good).first(good.size() - 2), out));
    kernel = 7;
    losses.check();
    EXPECT_EQ(stream.text(), "process_monitor: lost 5 events (total 5): ring buffer full\n"
                             "process_monitor: lost 2 events (total 8): ring buffer full\n"
                             "process_monitor: lost 1 events (total 8): malformed record (size mismatch)\n");
    EXPECT_EQ(losses.total(), 8u);
}

} // namespace
} // namespace winbpf::monitor

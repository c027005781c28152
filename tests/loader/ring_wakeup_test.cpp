// SPDX-License-Identifier: MIT
// bpf_ringbuf_output(..., 0) in a Windows program batches wake-ups (README, "Ring buffers"): a consumer asleep in
// poll is not woken for a few records, but is woken once a quarter of the ring is used, long before its timeout.
#include "loader_objects.hpp"
#include "support/child.hpp"
#include "support/kernel_test.hpp"
#include "winbpf/attachment.hpp"
#include "winbpf/object.hpp"
#include "winbpf/ring_buffer.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

using loader_test::bpf_path;
using namespace std::chrono_literals;

namespace
{

/// loader_test_monitor.o loaded and attached, with a consumer of its ring buffer that counts records.
class RingWakeup : public winbpf::test::KernelTest
{
  protected:
    void SetUp() override
    {
        KernelTest::SetUp();
        if (HasFatalFailure())
            return;
        object_.emplace(winbpf::Object::open_file(bpf_path("loader_test_monitor.o")));
        object_->load();
        attachment_.emplace(*object_);
        consumer_.emplace(object_->map("loader_test_events"), [this](auto) {
            ++records_;
            return 0;
        });
    }

    /// Detaches and unloads before the base class checks that nothing of the test is left.
    void TearDown() override
    {
        consumer_.reset();
        attachment_.reset();
        object_.reset();
        KernelTest::TearDown();
    }

    std::optional<winbpf::Object> object_;
    std::optional<winbpf::Attachment> attachment_;
    std::optional<winbpf::RingBufferConsumer> consumer_;
    std::uint64_t records_ = 0;
};

/// Runs /bin/true count times, one after the other. Each run gives loader_test_monitor.o four 24-byte records
/// (two handlers, CREATE and DELETE; 16 bytes of event plus the 8-byte record header).
void run_true(int count)
{
    for (int i = 0; i < count; ++i)
        ASSERT_EQ(winbpf::test::run({"/bin/true"}).exit_code(), 0);
}

/// How long a consumer sleeps in poll (at most timeout) before records arrive, while producer runs in another
/// thread that starts once the consumer has drained everything written so far. A poll cut short by a signal
/// (the producer's children exiting) returns no records and is resumed for the remaining time.
template <typename Producer>
std::chrono::steady_clock::duration poll_while(winbpf::RingBufferConsumer &consumer, std::chrono::milliseconds timeout,
                                               Producer producer)
{
    consumer.poll(0ms); // empty ring: the next poll sleeps until a wake-up or its timeout
    std::jthread thread([&producer] {
        std::this_thread::sleep_for(100ms);
        producer();
    });
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + timeout;
    for (auto now = start; now < deadline; now = std::chrono::steady_clock::now()) {
        if (consumer.poll(std::chrono::ceil<std::chrono::milliseconds>(deadline - now)) > 0)
            return std::chrono::steady_clock::now() - start;
    }
    return std::chrono::steady_clock::now() - start;
}

TEST_F(RingWakeup, AFewRecordsDoNotWakeASleepingConsumer)
{
    const auto slept = poll_while(*consumer_, 1500ms, [] { run_true(3); });
    EXPECT_GE(slept, 1400ms) << "woken by a handful of records instead of draining at the timeout";
    consumer_->poll(0ms);
    EXPECT_GE(records_, 12u) << "3 processes x 2 handlers x (CREATE + DELETE)";
}

TEST_F(RingWakeup, AQuarterFullRingWakesASleepingConsumer)
{
    // A quarter of the 256 KiB ring is 64 KiB: about 700 processes; 1500 leave a wide margin.
    const auto slept = poll_while(*consumer_, 30s, [] { run_true(1500); });
    EXPECT_LT(slept, 20s) << "not woken when a quarter of the ring was used";
    EXPECT_GE(records_ * 24, 64u * 1024) << "woken before a quarter of the ring was used";
}

} // namespace

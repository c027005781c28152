// SPDX-License-Identifier: MIT
#include "common/nats_output.hpp"

#include "winbpf/error.hpp"

#include <nats/nats.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <regex>
#include <unistd.h>

namespace winbpf::monitor
{
namespace
{

constexpr std::int64_t ack_wait_ms = 5000;   ///< a message not acknowledged by then is sent again
constexpr std::int64_t max_in_flight = 4096; ///< published and not yet acknowledged, at most
constexpr const char *message_id_header = "Nats-Msg-Id";

struct OptionsDeleter {
    void operator()(natsOptions *options) const { natsOptions_Destroy(options); }
};
struct ConnectionDeleter {
    void operator()(natsConnection *connection) const
    {
        natsConnection_Close(connection);
        natsConnection_Destroy(connection);
    }
};
struct ContextDeleter {
    void operator()(jsCtx *context) const { jsCtx_Destroy(context); }
};
struct NamesDeleter {
    void operator()(jsStreamNamesList *list) const { jsStreamNamesList_Destroy(list); }
};
struct InfoDeleter {
    void operator()(jsStreamInfo *info) const { jsStreamInfo_Destroy(info); }
};
struct MessageDeleter {
    void operator()(natsMsg *message) const { natsMsg_Destroy(message); }
};

/// libnats' text of status, with the thread's last error when it says more.
std::string nats_error(natsStatus status)
{
    natsStatus last = NATS_OK;
    const char *text = nats_GetLastError(&last);
    if (text != nullptr && *text != '\0')
        return text;
    return natsStatus_GetText(status);
}

void on_ack(jsCtx *, natsMsg *message, jsPubAck *ack, jsPubAckErr *error, void *closure)
{
    std::unique_ptr<natsMsg, MessageDeleter> owned(message);
    const char *id = nullptr;
    if (natsMsgHeader_Get(message, message_id_header, &id) != NATS_OK || id == nullptr)
        return;
    const char *dash = std::strrchr(id, '-');
    const std::uint64_t seq = std::strtoull(dash == nullptr ? id : dash + 1, nullptr, 10);
    std::string data;
    if (ack == nullptr && error != nullptr)
        data.assign(natsMsg_GetData(message), static_cast<std::size_t>(natsMsg_GetDataLength(message)));
    static_cast<NatsSink *>(closure)->acknowledged(seq, ack != nullptr, std::move(data));
}

void on_disconnected(natsConnection *connection, void *closure)
{
    if (natsConnection_IsClosed(connection))
        return; // the monitor closed it: stopping
    const auto *name = static_cast<const std::string *>(closure);
    std::fprintf(stderr, "%s: disconnected: buffering (up to --output-buffer events) and reconnecting\n",
                 name->c_str());
}

void on_reconnected(natsConnection *, void *closure)
{
    const auto *name = static_cast<const std::string *>(closure);
    std::fprintf(stderr, "%s: reconnected\n", name->c_str());
}

} // namespace

struct NatsSink::Nats {
    std::unique_ptr<natsOptions, OptionsDeleter> options;
    std::unique_ptr<natsConnection, ConnectionDeleter> connection;
    std::unique_ptr<jsCtx, ContextDeleter> context;
    std::string label; ///< "<tool>: output <name>" for the connection callbacks' messages
};

bool is_nats_sink(const std::string &sink) noexcept
{
    return sink.starts_with("nats://") || sink.starts_with("tls://");
}

NatsTarget parse_nats_target(const std::string &sink)
{
    static const std::regex form(R"(((nats|tls)://([^/@\s]+@)?[^/@\s]+:[0-9]{1,5})/(.*))");
    static const std::regex subject(R"([A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)");
    std::smatch match;
    if (!std::regex_match(sink, match, form))
        throw Error("output " + sink + ": expected nats://[USER:PASS@]HOST:PORT/SUBJECT (or tls://...)");
    NatsTarget target{match[1].str(), match[4].str()};
    if (!std::regex_match(target.subject, subject))
        throw Error("output " + sink + ": subject '" + target.subject +
                    "' is not a NATS subject to publish to: tokens of letters, digits, '_' or '-' joined by '.', "
                    "no wildcard");
    return target;
}

NatsSink::NatsSink(const std::string &sink, std::string tool, const OutputOptions &options)
    : Sink(sink), tool_(std::move(tool)), target_(parse_nats_target(sink)), options_(options)
{
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0)
        host[0] = '\0';
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    id_prefix_ = std::string(host.data()) + "-" + std::to_string(getpid()) + "-" + std::to_string(now.tv_sec) + "." +
                 std::to_string(now.tv_nsec) + "-";
}

NatsSink::~NatsSink()
{
    if (publisher_.joinable()) {
        publisher_.request_stop();
        ready_.notify_all();
        publisher_.join();
    }
    // The connection goes before the context: no acknowledgement arrives once it is closed.
    if (nats_) {
        nats_->connection.reset();
        nats_->context.reset();
    }
}

void NatsSink::start()
{
    auto fail = [this](const std::string &what, natsStatus status) {
        throw Error("output " + name() + ": " + what + ": " + nats_error(status));
    };
    nats_ = std::make_unique<Nats>();
    nats_->label = tool_ + ": output " + name();
    natsOptions *options = nullptr;
    if (natsStatus s = natsOptions_Create(&options); s != NATS_OK)
        fail("libnats", s);
    nats_->options.reset(options);
    natsStatus s = natsOptions_SetURL(options, target_.server.c_str());
    if (s == NATS_OK)
        s = natsOptions_SetName(options, ("winbpf " + tool_).c_str());
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(options, 2000); // to connect
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(options, -1); // for ever
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(options, 250);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(options, on_disconnected, &nats_->label);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(options, on_reconnected, &nats_->label);
    if (s == NATS_OK && (target_.server.starts_with("tls://") || !options_.nats_tls_ca.empty()))
        s = natsOptions_SetSecure(options, true);
    if (s == NATS_OK && !options_.nats_tls_ca.empty())
        s = natsOptions_LoadCATrustedCertificates(options, options_.nats_tls_ca.c_str());
    if (s == NATS_OK && !options_.nats_tls_cert.empty())
        s = natsOptions_LoadCertificatesChain(options, options_.nats_tls_cert.c_str(), options_.nats_tls_key.c_str());
    if (s == NATS_OK && !options_.nats_creds.empty())
        s = natsOptions_SetUserCredentialsFromFiles(options, options_.nats_creds.c_str(), nullptr);
    if (s != NATS_OK)
        fail("connection options", s);

    natsConnection *connection = nullptr;
    if (s = natsConnection_Connect(&connection, options); s != NATS_OK)
        fail("cannot connect to " + target_.server, s);
    nats_->connection.reset(connection);

    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = ack_wait_ms;
    js_options.PublishAsync.MaxPending = max_in_flight;
    js_options.PublishAsync.AckHandler = on_ack;
    js_options.PublishAsync.AckHandlerClosure = this;
    jsCtx *context = nullptr;
    if (s = natsConnection_JetStream(&context, connection, &js_options); s != NATS_OK)
        fail("JetStream", s);
    nats_->context.reset(context);

    // A stream that already captures the subject is used as it is.
    jsOptions filter;
    jsOptions_Init(&filter);
    filter.Stream.Info.SubjectsFilter = target_.subject.c_str();
    jsStreamNamesList *names = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    s = js_StreamNames(&names, context, &filter, &code);
    std::unique_ptr<jsStreamNamesList, NamesDeleter> owned_names(names);
    if (s != NATS_OK && s != NATS_NOT_FOUND)
        fail("listing the streams (is JetStream enabled on the server?)", s);
    if (names != nullptr && names->Count > 0) {
        stream_ = names->List[0];
        std::fprintf(stderr, "%s: output %s: stream %s captures %s\n", tool_.c_str(), name().c_str(), stream_.c_str(),
                     target_.subject.c_str());
    } else {
        stream_ = options_.nats_stream;
        jsStreamConfig config;
        jsStreamConfig_Init(&config);
        config.Name = stream_.c_str();
        const char *subjects[] = {target_.subject.c_str()};
        config.Subjects = subjects;
        config.SubjectsLen = 1;
        config.Storage = js_FileStorage;
        jsStreamInfo *info = nullptr;
        s = js_AddStream(&info, context, &config, nullptr, &code);
        std::unique_ptr<jsStreamInfo, InfoDeleter> owned_info(info);
        if (s != NATS_OK)
            fail("cannot create stream " + stream_ + " for " + target_.subject, s);
        std::fprintf(stderr, "%s: output %s: created stream %s (file storage) for %s\n", tool_.c_str(), name().c_str(),
                     stream_.c_str(), target_.subject.c_str());
    }
    publisher_ = std::jthread([this](std::stop_token stop) { publish_loop(stop); });
}

void NatsSink::enqueue(std::string_view data, bool event)
{
    std::lock_guard lock(mutex_);
    if (event && queue_.size() + flight_.size() >= options_.buffer_events) {
        ++unreported_lost_;
        count_loss("buffer_full", 1);
        return;
    }
    queue_.push_back(Item{std::string(data), next_seq_++, event});
}

void NatsSink::write_events(std::string_view lines)
{
    std::size_t start = 0;
    for (std::size_t end; (end = lines.find('\n', start)) != std::string_view::npos; start = end + 1)
        enqueue(lines.substr(start, end - start), true);
    ready_.notify_one();
}

void NatsSink::write_record(std::string_view line)
{
    if (!line.empty() && line.back() == '\n')
        line.remove_suffix(1);
    enqueue(line, false);
    ready_.notify_one();
}

void NatsSink::poll()
{
    std::lock_guard lock(mutex_);
    delivered_ = acked_events_;
    errors_ = publish_errors_;
    // After a loss, once the buffer has room again, the stream says so before the next events.
    if (queue_.size() + flight_.size() < options_.buffer_events)
        queue_loss_record_locked();
}

void NatsSink::queue_loss_record_locked()
{
    if (unreported_lost_ == 0)
        return;
    std::string record;
    append_loss_record(tool_, LossStage::output, name(), "buffer_full", unreported_lost_, lost_, record);
    record.pop_back();
    queue_.push_back(Item{std::move(record), next_seq_++, false});
    unreported_lost_ = 0;
    ready_.notify_one();
}

std::uint64_t NatsSink::buffered() const
{
    std::lock_guard lock(mutex_);
    return buffered_locked();
}

std::uint64_t NatsSink::buffered_locked() const
{
    std::uint64_t events = 0;
    for (const Item &item : queue_)
        events += item.event;
    for (const auto &[seq, event] : flight_)
        events += event;
    return events;
}

void NatsSink::acknowledged(std::uint64_t seq, bool ok, std::string data)
{
    std::lock_guard lock(mutex_);
    const auto found = flight_.find(seq);
    if (found == flight_.end())
        return; // already answered
    const bool event = found->second;
    flight_.erase(found);
    if (ok) {
        acked_events_ += event;
    } else {
        ++publish_errors_;
        queue_.push_front(Item{std::move(data), seq, event}); // again, with the same id
    }
    ready_.notify_one();
}

void NatsSink::publish_loop(std::stop_token stop)
{
    jsCtx *context = nats_->context.get();
    natsConnection *connection = nats_->connection.get();
    while (!stop.stop_requested()) {
        Item item;
        {
            std::unique_lock lock(mutex_);
            ready_.wait_for(lock, stop, std::chrono::milliseconds(100),
                            [&] { return !queue_.empty() && flight_.size() < max_in_flight; });
            if (stop.stop_requested())
                return;
            if (queue_.empty() || flight_.size() >= max_in_flight)
                continue;
            if (natsConnection_Status(connection) != NATS_CONN_STATUS_CONNECTED) {
                lock.unlock();
                std::this_thread::sleep_for(std::chrono::milliseconds(50)); // events stay buffered
                continue;
            }
            item = std::move(queue_.front());
            queue_.pop_front();
            flight_.emplace(item.seq, item.event);
        }
        natsMsg *message = nullptr;
        natsStatus s = natsMsg_Create(&message, target_.subject.c_str(), nullptr, item.data.data(),
                                      static_cast<int>(item.data.size()));
        const std::string id = id_prefix_ + std::to_string(item.seq);
        if (s == NATS_OK)
            s = natsMsgHeader_Set(message, message_id_header, id.c_str());
        jsPubOptions publish;
        jsPubOptions_Init(&publish);
        publish.MaxWait = ack_wait_ms;
        if (s == NATS_OK)
            s = js_PublishMsgAsync(context, &message, &publish); // takes the message when it succeeds
        natsMsg_Destroy(message);
        if (s != NATS_OK) {
            std::lock_guard lock(mutex_);
            ++publish_errors_;
            if (flight_.erase(item.seq) != 0)
                queue_.push_front(std::move(item));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
}

void NatsSink::finish(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    {
        // A loss the buffer had no room to report yet (the monitor stopped while it drained) is the last record.
        std::lock_guard lock(mutex_);
        queue_loss_record_locked();
    }
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty() && flight_.empty())
                break;
        }
        if (std::chrono::steady_clock::now() >= deadline)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (publisher_.joinable()) {
        publisher_.request_stop();
        ready_.notify_all();
        publisher_.join();
    }
    std::lock_guard lock(mutex_);
    const std::uint64_t left = buffered_locked();
    if (left > 0)
        count_loss("shutdown", left);
    queue_.clear();
    flight_.clear();
    delivered_ = acked_events_;
    errors_ = publish_errors_;
}

} // namespace winbpf::monitor

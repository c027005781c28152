// SPDX-License-Identifier: MIT
#include "recorder.hpp"

#include "process_record.h"
#include "support/wait.hpp"
#include "text.hpp"
#include "winbpf/error.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <unistd.h>

namespace process_test
{
namespace
{

std::string helper_string(const std::uint8_t *bytes, std::size_t capacity, int result)
{
    if (result <= 0 || static_cast<std::size_t>(result) > capacity)
        return {};
    return utf16le_to_utf8(std::span<const std::uint8_t>(bytes, static_cast<std::size_t>(result)));
}

void update(bpf_map *map, const void *key, const void *value, const char *what)
{
    if (bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY) != 0)
        throw winbpf::Error(std::string("writing ") + what, errno);
}

winbpf::Object load_recorder()
{
    winbpf::Object object = winbpf::Object::open_file(bpf_object_path("process_recorder"));
    object.load();
    const std::uint32_t zero = 0;
    const recorder_config config{static_cast<std::uint32_t>(getpid()), 0};
    update(object.map("recorder_config"), &zero, &config, "recorder_config");
    return object;
}

/// One ring buffer record decoded; nullopt when its size is not a process_record's.
std::optional<Event> decode_record(std::span<const std::byte> data)
{
    if (data.size() != sizeof(process_record))
        return std::nullopt;
    process_record r;
    std::memcpy(&r, data.data(), sizeof(r));
    Event e;
    e.command_size = r.command_size;
    e.process_id = r.process_id;
    e.parent_process_id = r.parent_process_id;
    e.creating_process_id = r.creating_process_id;
    e.creating_thread_id = r.creating_thread_id;
    e.creation_time = r.creation_time;
    e.exit_time = r.exit_time;
    e.process_exit_code = r.process_exit_code;
    e.operation = r.operation;
    e.token_sid_size = r.token_sid_size;
    e.token_sid.assign(r.token_sid, r.token_sid + std::min<std::size_t>(r.token_sid_size, sizeof(r.token_sid)));
    e.command_result = r.command_result;
    e.image_path_result = r.image_path_result;
    e.account_name_result = r.account_name_result;
    e.account_domain_result = r.account_domain_result;
    e.command_copied = r.command_copied;
    e.command_truncated = r.command_truncated;
    const std::size_t copied = std::min<std::size_t>(r.command_copied, sizeof(r.command_line));
    e.command_line_bytes.assign(r.command_line, r.command_line + copied);
    e.command_line = utf16le_to_utf8(e.command_line_bytes);
    e.image_path = helper_string(r.image_path, sizeof(r.image_path), r.image_path_result);
    e.account_name = helper_string(r.account_name, sizeof(r.account_name), r.account_name_result);
    e.account_domain = helper_string(r.account_domain, sizeof(r.account_domain), r.account_domain_result);
    return e;
}

} // namespace

std::string bpf_object_path(const std::string &name)
{
    return std::string(PROCESS_TEST_BPF_DIR) + "/" + name + ".o";
}

std::string test_child_path()
{
    return WINBPF_TEST_CHILD;
}

Recorder::Recorder()
    : object_(load_recorder()), attachment_(object_),
      consumer_(object_.map("recorder_events"), [this](std::span<const std::byte> data) {
          if (auto event = decode_record(data))
              events_.push_back(std::move(*event));
          else
              ++undecodable_;
          return 0;
      })
{
}

Recorder::~Recorder()
{
    // Every test's recorder must have delivered everything it wrote, in the expected layout.
    if (undecodable_ != 0)
        ADD_FAILURE() << undecodable_ << " recorder records had an unexpected size";
    if (const std::uint64_t lost = object_.lost_events(); lost != 0)
        ADD_FAILURE() << lost << " recorder records were lost (ring buffer full)";
}

bool Recorder::poll_until(const std::function<bool()> &done, std::chrono::milliseconds timeout)
{
    return winbpf::test::poll_until(consumer_, done, timeout);
}

bool Recorder::wait_for_delete(pid_t pid, std::chrono::milliseconds timeout)
{
    const bool found = poll_until([&] { return !events_of(pid, operation_delete).empty(); }, timeout);
    consumer_.poll(std::chrono::milliseconds(200));
    return found;
}

std::vector<Event> Recorder::events_of(pid_t pid, std::optional<std::uint32_t> operation) const
{
    std::vector<Event> out;
    for (const Event &e : events_)
        if (e.process_id == static_cast<std::uint64_t>(pid) && (!operation || e.operation == *operation))
            out.push_back(e);
    return out;
}

} // namespace process_test

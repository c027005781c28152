// SPDX-License-Identifier: MIT
#include "process_table.hpp"

#include "winbpf/utf16.hpp"

#include <utility>

namespace winbpf::monitor
{

namespace
{

/// Fills strings from a record's UTF-16LE strings (empty when the record carries none); with
/// KeptStrings::without_accounts, account_name and account_domain are made empty.
void convert_strings(const Record &record, ProcessStrings &strings, KeptStrings kept)
{
    if (kept == KeptStrings::all) {
        utf16le_to_utf8(record.account_name, strings.account_name);
        utf16le_to_utf8(record.account_domain, strings.account_domain);
    } else {
        strings.account_name.clear();
        strings.account_domain.clear();
    }
    utf16le_to_utf8(record.image_path, strings.image_path);
    utf16le_to_utf8(record.command_line, strings.command_line);
}

} // namespace

ProcessTable::ProcessTable(KeptStrings kept) : kept_(kept)
{
    live_.reserve(4096);
    recycled_.reserve(max_recycled);
}

void ProcessTable::recycle(Map::node_type node)
{
    if (node && recycled_.size() < max_recycled)
        recycled_.push_back(std::move(node));
}

const ProcessStrings &ProcessTable::on_create(const Record &record)
{
    // One lookup: insert a recycled node (or emplace a new entry); an entry already there for the process id stays
    // and the recycled node goes back unused.
    Map::iterator it;
    if (!recycled_.empty()) {
        Map::node_type &node = recycled_.back();
        node.key() = record.fixed.process_id;
        auto result = live_.insert(std::move(node));
        if (result.inserted)
            recycled_.pop_back();
        else
            node = std::move(result.node);
        it = result.position;
    } else {
        it = live_.try_emplace(record.fixed.process_id).first;
    }
    Entry &entry = it->second;
    entry.creation_time = record.fixed.creation_time;
    convert_strings(record, entry.strings, kept_);
    return entry.strings;
}

const ProcessStrings &ProcessTable::on_delete(const Record &record)
{
    recycle(std::move(deleted_)); // the strings the previous call returned
    const auto it = live_.find(record.fixed.process_id);
    const bool joined = it != live_.end() && (it->second.creation_time == record.fixed.creation_time ||
                                              it->second.creation_time == any_creation_time);
    if (!joined) {
        if (record.has_strings()) {
            convert_strings(record, scratch_, kept_);
        } else {
            scratch_.account_name.clear();
            scratch_.account_domain.clear();
            scratch_.image_path.clear();
            scratch_.command_line.clear();
        }
        return scratch_;
    }

    deleted_ = live_.extract(it);
    ProcessStrings &known = deleted_.mapped().strings;
    if (record.has_strings()) {
        convert_strings(record, scratch_, kept_);
        std::pair<std::string *, std::string *> fields[] = {
            {&scratch_.account_name, &known.account_name},
            {&scratch_.account_domain, &known.account_domain},
            {&scratch_.image_path, &known.image_path},
            {&scratch_.command_line, &known.command_line},
        };
        for (auto [mine, theirs] : fields)
            if (mine->empty())
                mine->swap(*theirs);
        return scratch_;
    }
    return known; // the CREATE's strings, in place
}

void ProcessTable::add_running(std::uint32_t process_id, std::string_view command_line)
{
    const auto [it, inserted] = live_.try_emplace(process_id);
    if (inserted)
        it->second.strings.command_line.assign(command_line);
}

} // namespace winbpf::monitor

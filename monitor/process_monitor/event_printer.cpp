// SPDX-License-Identifier: MIT
#include "event_printer.hpp"

namespace winbpf::monitor
{

EventPrinter::EventPrinter(OutputFormat format)
    : format_(format), table_(format == OutputFormat::json ? KeptStrings::all : KeptStrings::without_accounts)
{
}

DecodeStatus EventPrinter::handle(std::span<const std::byte> record, std::string &out)
{
    ++received_;
    const DecodeStatus status = decode_record(record, record_);
    if (status != DecodeStatus::ok) {
        ++malformed_;
        last_error_ = status;
        return status;
    }
    const ProcessStrings &strings =
        record_.operation() == Operation::create ? table_.on_create(record_) : table_.on_delete(record_);
    const ProcessEvent event{record_.fixed, record_.token_sid, strings};
    if (format_ == OutputFormat::json)
        formatter_.append_json_line(event, out);
    else
        formatter_.append_human_line(event, out);
    return status;
}

} // namespace winbpf::monitor

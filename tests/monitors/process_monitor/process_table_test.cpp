// SPDX-License-Identifier: MIT
#include "process_monitor.hpp"
#include "record_builder.hpp"

#include <gtest/gtest.h>

namespace winbpf::monitor
{
namespace
{

using test::build_record;
using test::delete_of;
using test::RecordSpec;

ProcessMonitorEvent decode(const std::vector<std::byte> &bytes)
{
    ProcessMonitorEvent record;
    EXPECT_TRUE(decode_process_event(bytes, record).is_ok());
    return record;
}

TEST(ProcessTable, DeleteWithoutStringsTakesThemFromCreate)
{
    ProcessTable table;
    RecordSpec create;
    create.image_path = u"/usr/bin/dash";
    create.command_line = u"/bin/sh -c \"exit 7\" \U0001F600";
    const auto create_bytes = build_record(create);
    const ProcessStrings &created = table.on_create(decode(create_bytes));
    EXPECT_EQ(created.image_path, "/usr/bin/dash");
    EXPECT_EQ(created.command_line, "/bin/sh -c \"exit 7\" \xf0\x9f\x98\x80");
    EXPECT_EQ(created.account_name, "alice");
    EXPECT_EQ(created.account_domain, "host");
    EXPECT_EQ(table.size(), 1u);

    const auto delete_bytes = build_record(delete_of(create, false));
    const ProcessStrings &deleted = table.on_delete(decode(delete_bytes));
    EXPECT_EQ(deleted.image_path, "/usr/bin/dash");
    EXPECT_EQ(deleted.command_line, "/bin/sh -c \"exit 7\" \xf0\x9f\x98\x80");
    EXPECT_EQ(deleted.account_name, "alice");
    EXPECT_EQ(table.size(), 0u);
}

TEST(ProcessTable, WithoutAccountsKeepsPathsOnly)
{
    ProcessTable table(KeptStrings::without_accounts);
    RecordSpec create;
    const auto create_bytes = build_record(create);
    const ProcessStrings &created = table.on_create(decode(create_bytes));
    EXPECT_EQ(created.image_path, "/usr/bin/true");
    EXPECT_EQ(created.command_line, "true");
    EXPECT_EQ(created.account_name, "");
    EXPECT_EQ(created.account_domain, "");

    RecordSpec with_strings = delete_of(create, true); // its own strings but no command line
    with_strings.command_line.clear();
    const auto delete_bytes = build_record(with_strings);
    const ProcessStrings &deleted = table.on_delete(decode(delete_bytes));
    EXPECT_EQ(deleted.image_path, "/usr/bin/true");
    EXPECT_EQ(deleted.command_line, "true");
    EXPECT_EQ(deleted.account_name, "");
    EXPECT_EQ(deleted.account_domain, "");
}

TEST(ProcessTable, DeletedStringsStayValidUntilTheNextCall)
{
    ProcessTable table;
    RecordSpec first;
    first.process_id = 1;
    first.command_line = u"first";
    RecordSpec second;
    second.process_id = 2;
    second.command_line = u"second";
    const auto first_bytes = build_record(first), second_bytes = build_record(second);
    table.on_create(decode(first_bytes));
    table.on_create(decode(second_bytes));
    const auto first_delete = build_record(delete_of(first, false));
    const auto second_delete = build_record(delete_of(second, false));
    EXPECT_EQ(table.on_delete(decode(first_delete)).command_line, "first");
    EXPECT_EQ(table.on_delete(decode(second_delete)).command_line, "second");
    // The nodes of exited processes are reused without leftovers.
    RecordSpec third;
    third.process_id = 3;
    third.command_line = u"3";
    third.image_path = u"/x";
    const auto third_bytes = build_record(third);
    const ProcessStrings &created = table.on_create(decode(third_bytes));
    EXPECT_EQ(created.command_line, "3");
    EXPECT_EQ(created.image_path, "/x");
    EXPECT_EQ(table.on_delete(decode(build_record(delete_of(third, false)))).command_line, "3");
    EXPECT_EQ(table.size(), 0u);
}

TEST(ProcessTable, NewestCreateWins)
{
    ProcessTable table;
    RecordSpec first;
    first.image_path = u"/usr/bin/bash";
    first.command_line = u"bash -c exec true";
    table.on_create(decode(build_record(first)));
    RecordSpec second = first; // same process (same creation_time) after exec
    second.image_path = u"/usr/bin/true";
    second.command_line = u"true";
    table.on_create(decode(build_record(second)));
    EXPECT_EQ(table.size(), 1u);
    const ProcessStrings &deleted = table.on_delete(decode(build_record(delete_of(first, false))));
    EXPECT_EQ(deleted.image_path, "/usr/bin/true");
    EXPECT_EQ(deleted.command_line, "true");
    EXPECT_EQ(table.size(), 0u);
}

TEST(ProcessTable, DeleteWithItsOwnStrings)
{
    ProcessTable table;
    RecordSpec create;
    table.on_create(decode(build_record(create)));
    RecordSpec del = delete_of(create, true);
    del.command_line = u"from the delete";
    const ProcessStrings &deleted = table.on_delete(decode(build_record(del)));
    EXPECT_EQ(deleted.command_line, "from the delete");
    EXPECT_EQ(table.size(), 0u);
}

TEST(ProcessTable, DeleteWithStringsButNoCommandLineTakesItFromCreate)
{
    // The BPF side re-sends strings when its record of the CREATE was overwritten, but has no command line at exit.
    ProcessTable table;
    RecordSpec create;
    create.command_line = u"long running --flag";
    table.on_create(decode(build_record(create)));
    RecordSpec del = delete_of(create, true);
    del.command_line = u"";
    del.image_path = u"/usr/bin/at-exit";
    const ProcessStrings &deleted = table.on_delete(decode(build_record(del)));
    EXPECT_EQ(deleted.command_line, "long running --flag");
    EXPECT_EQ(deleted.image_path, "/usr/bin/at-exit");
    EXPECT_EQ(table.size(), 0u);
}

TEST(ProcessTable, ProcessRunningBeforeAttach)
{
    ProcessTable table;
    table.add_running(77, "sleep 1000");
    table.add_running(77, "ignored: already known");
    EXPECT_EQ(table.size(), 1u);
    RecordSpec del;
    del.process_id = 77;
    del = delete_of(del, true);
    del.command_line = u"";
    const ProcessStrings &deleted = table.on_delete(decode(build_record(del)));
    EXPECT_EQ(deleted.command_line, "sleep 1000");
    EXPECT_EQ(deleted.image_path, "/usr/bin/true");
    EXPECT_EQ(table.size(), 0u);
}

TEST(ProcessTable, CreateReplacesRunningSnapshot)
{
    ProcessTable table;
    table.add_running(1234, "before exec");
    RecordSpec create;
    create.command_line = u"after exec";
    table.on_create(decode(build_record(create)));
    EXPECT_EQ(table.on_delete(decode(build_record(delete_of(create, false)))).command_line, "after exec");
}

TEST(ProcessTable, UnknownProcessGivesEmptyStrings)
{
    ProcessTable table;
    RecordSpec create;
    create.process_id = 1;
    table.on_create(decode(build_record(create)));
    RecordSpec other;
    other.process_id = 2;
    const ProcessStrings &deleted = table.on_delete(decode(build_record(delete_of(other, false))));
    EXPECT_TRUE(deleted.image_path.empty());
    EXPECT_TRUE(deleted.command_line.empty());
    EXPECT_TRUE(deleted.account_name.empty());
    EXPECT_EQ(table.size(), 1u);
}

TEST(ProcessTable, ReusedProcessIdIsNotJoined)
{
    ProcessTable table;
    RecordSpec old_process;
    old_process.creation_time = 1000;
    old_process.command_line = u"old";
    table.on_create(decode(build_record(old_process)));
    RecordSpec new_process = old_process; // same pid, later start: the old process is gone
    new_process.creation_time = 2000;
    new_process.command_line = u"new";
    table.on_create(decode(build_record(new_process)));
    EXPECT_EQ(table.size(), 1u);

    // A late DELETE of the old incarnation neither joins with nor drops the new one.
    EXPECT_TRUE(table.on_delete(decode(build_record(delete_of(old_process, false)))).command_line.empty());
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.on_delete(decode(build_record(delete_of(new_process, false)))).command_line, "new");
    EXPECT_EQ(table.size(), 0u);
}

TEST(ProcessTable, ManyProcesses)
{
    ProcessTable table;
    for (std::uint32_t pid = 1; pid <= 10000; ++pid) {
        RecordSpec spec;
        spec.process_id = pid;
        spec.command_line = u"cmd " + std::u16string(1, static_cast<char16_t>(u'a' + pid % 26));
        table.on_create(decode(build_record(spec)));
    }
    EXPECT_EQ(table.size(), 10000u);
    for (std::uint32_t pid = 10000; pid >= 1; --pid) {
        RecordSpec spec;
        spec.process_id = pid;
        EXPECT_EQ(table.on_delete(decode(build_record(delete_of(spec, false)))).command_line,
                  "cmd " + std::string(1, static_cast<char>('a' + pid % 26)));
    }
    EXPECT_EQ(table.size(), 0u);
}

} // namespace
} // namespace winbpf::monitor

// SPDX-License-Identifier: MIT
// Slot layout of the accounts map (open addressing by uid), as the loader writes it and the shim searches it.
#include "hooks/process.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace winbpf::detail
{
namespace
{

std::string name_of(const winbpf_account &slot)
{
    std::string name;
    for (__u32 i = 0; i < slot.length / 2; ++i)
        name.push_back(static_cast<char>(reinterpret_cast<const unsigned char *>(&slot.name[i])[0]));
    return name;
}

TEST(AccountSlots, UidGoesToItsHomeSlot)
{
    std::vector<winbpf_account> slots(WINBPF_ACCOUNT_SLOTS);
    ASSERT_TRUE(place_account(slots, 1000, "alice"));
    const winbpf_account &slot = slots[1000 % WINBPF_ACCOUNT_SLOTS];
    EXPECT_EQ(slot.uid, 1000u);
    EXPECT_EQ(slot.length, 10u);
    EXPECT_EQ(name_of(slot), "alice");
}

TEST(AccountSlots, CollidingUidsTakeTheNextFreeSlots)
{
    std::vector<winbpf_account> slots(WINBPF_ACCOUNT_SLOTS);
    const __u32 home = 4094;
    for (__u32 k = 0; k < WINBPF_ACCOUNT_PROBES; ++k)
        ASSERT_TRUE(place_account(slots, home + k * WINBPF_ACCOUNT_SLOTS, ("user" + std::to_string(k)).c_str()));
    // The probe sequence wraps around the end of the array.
    EXPECT_EQ(slots[4094].uid, home);
    EXPECT_EQ(slots[4095].uid, home + WINBPF_ACCOUNT_SLOTS);
    EXPECT_EQ(slots[0].uid, home + 2 * WINBPF_ACCOUNT_SLOTS);
    EXPECT_EQ(name_of(slots[1]), "user3");
    // Every probe slot is taken by another uid: this one cannot be stored.
    EXPECT_FALSE(place_account(slots, home + WINBPF_ACCOUNT_PROBES * WINBPF_ACCOUNT_SLOTS, "late"));
}

TEST(AccountSlots, FirstEntryOfAUidWins)
{
    std::vector<winbpf_account> slots(WINBPF_ACCOUNT_SLOTS);
    ASSERT_TRUE(place_account(slots, 0, "root"));
    EXPECT_TRUE(place_account(slots, 0, "toor"));
    EXPECT_EQ(name_of(slots[0]), "root");
    EXPECT_EQ(slots[1].length, 0u);
}

TEST(AccountSlots, EmptyNameIsNotStored)
{
    std::vector<winbpf_account> slots(WINBPF_ACCOUNT_SLOTS);
    EXPECT_FALSE(place_account(slots, 5, ""));
    EXPECT_EQ(slots[5].length, 0u);
}

TEST(AccountSlots, NonAsciiNameIsUtf16LittleEndian)
{
    std::vector<winbpf_account> slots(WINBPF_ACCOUNT_SLOTS);
    ASSERT_TRUE(place_account(slots, 7, "j\xc3\xb6rg")); // jörg
    const auto *bytes = reinterpret_cast<const unsigned char *>(slots[7].name);
    EXPECT_EQ(slots[7].length, 8u);
    EXPECT_EQ(bytes[2], 0xF6);
    EXPECT_EQ(bytes[3], 0x00);
}

} // namespace
} // namespace winbpf::detail

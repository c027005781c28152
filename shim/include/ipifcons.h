/* SPDX-License-Identifier: MIT */
/*
 * The IF_TYPE_* interface types of the Windows SDK's ipifcons.h (IANA ifType values), for
 * bpf_sock_addr_network_context_t.interface_type and the IfType of a NET_LUID. winbpf's interfaces: loopback (24) and
 * Ethernet (6; veth and other ARPHRD_ETHER devices).
 */
#pragma once

#define IF_TYPE_OTHER 1
#define IF_TYPE_ETHERNET_CSMACD 6
#define IF_TYPE_ISO88025_TOKENRING 9
#define IF_TYPE_PPP 23
#define IF_TYPE_SOFTWARE_LOOPBACK 24
#define IF_TYPE_ATM 37
#define IF_TYPE_IEEE80211 71
#define IF_TYPE_TUNNEL 131
#define IF_TYPE_IEEE1394 144
#define IF_TYPE_IEEE80216_WMAN 237
#define IF_TYPE_WWANPP 243
#define IF_TYPE_WWANPP2 244

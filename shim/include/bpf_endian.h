/* SPDX-License-Identifier: MIT */
/*
 * eBPF for Windows' bpf_endian.h: byte order conversions of a Windows program (bpf_htons, bpf_ntohs, bpf_htonl,
 * bpf_ntohl, bpf_cpu_to_be64, ... are libbpf's), plus the ntohs/htons/ntohl/htonl spellings Windows samples use.
 */
#pragma once

#include <bpf/bpf_endian.h>

#ifndef ntohs
#define ntohs(x) bpf_ntohs(x)
#endif
#ifndef htons
#define htons(x) bpf_htons(x)
#endif
#ifndef ntohl
#define ntohl(x) bpf_ntohl(x)
#endif
#ifndef htonl
#define htonl(x) bpf_htonl(x)
#endif

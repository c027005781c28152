// SPDX-License-Identifier: MIT
// Owned libbpf BTF object (RAII over btf__free), for the loader, the winbpf tool and winbpf-glue.
#pragma once

#include <bpf/btf.h>

#include <memory>

namespace winbpf
{

/// Deleter of libbpf's struct btf (btf__free).
struct BtfFree {
    void operator()(btf *types) const noexcept { btf__free(types); }
};
/// Owned libbpf BTF, e.g. BtfPtr(btf__load_vmlinux_btf()); empty (nullptr) when libbpf returned none.
using BtfPtr = std::unique_ptr<btf, BtfFree>;

} // namespace winbpf

// SPDX-License-Identifier: MIT
// A plain Linux BPF object (no Windows hook handler): the loader must refuse it with "no known section".
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tracepoint/sched/sched_process_fork")
int loader_test_linux_only(void *ctx)
{
    return 0;
}

char LICENSE[] SEC("license") = "GPL";

#!/bin/bash
# PID 1 inside winbpf's test VM, on the host's root filesystem (9p, read-only): mounts what winbpf's tests need,
# mounts the writable scratch folder (9p tag "scratch"), runs every line of scratch/suite (NAME<TAB>COMMAND) with its
# output in scratch/NAME.log, writes "NAME RC SECONDS" lines to scratch/results and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /mnt
mkdir -p /dev/pts /dev/shm /mnt/scratch
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t securityfs securityfs /sys/kernel/security
mount -t cgroup2 cgroup2 /sys/fs/cgroup
scratch=/mnt/scratch
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=262144 scratch "$scratch" || {
    echo "winbpf-vm: mounting the scratch folder failed" >/dev/console
    echo o >/proc/sysrq-trigger
}
# A writable /tmp for the tests. The host's /tmp may hold the checkout and the build (a clone in /tmp): what this
# script and the suite's commands name below /tmp stays visible at its own path, bound from the host's /tmp.
mkdir -p /run/host-tmp
mount --bind /tmp /run/host-tmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
for path in "$0" $(tr '\t ' '\n\n' <"$scratch/suite" | grep '^/tmp/'); do
    case $path in
    /tmp/?*)
        top=${path#/tmp/}
        top=${top%%/*}
        if [ -d "/run/host-tmp/$top" ] && ! mountpoint -q "/tmp/$top"; then
            mkdir -p "/tmp/$top"
            mount --bind "/run/host-tmp/$top" "/tmp/$top"
        fi
        ;;
    esac
done
ip link set lo up 2>/dev/null
hostname winbpf-vm
{
    echo "kernel $(uname -r)"
    echo "lsm $(cat /sys/kernel/security/lsm 2>/dev/null)"
    echo "cpus $(nproc)"
} >"$scratch/guest-info"
: >"$scratch/results"
while IFS=$'\t' read -r name command; do
    [ -n "$name" ] || continue
    echo "winbpf-vm: running $name" >/dev/console
    start=$(date +%s)
    (cd /tmp && bash -c "$command") >"$scratch/$name.log" 2>&1 </dev/null
    rc=$?
    echo "$name $rc $(($(date +%s) - start))" >>"$scratch/results"
done <"$scratch/suite"
echo done >>"$scratch/results"
sync
echo o >/proc/sysrq-trigger
sleep 10

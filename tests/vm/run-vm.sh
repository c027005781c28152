#!/usr/bin/env bash
# run-vm.sh KERNEL_DIR SUITE [TIMEOUT_SECONDS]
# Boots the kernel of KERNEL_DIR (vmlinuz + initramfs.cpio.gz from make-initramfs.sh) in qemu (TCG, 2 vCPUs, no
# network device) with the host's root filesystem shared read-only over 9p and a fresh writable scratch folder, runs
# each NAME<TAB>COMMAND line of SUITE inside (tests/vm/guest.sh), prints every command's log, a summary and the deny
# enforcement lines of the logs (the mode the loader chose, and the one expected), and exits 0 only when every command
# exited 0. The VM is killed after TIMEOUT_SECONDS (default 840).
set -euo pipefail
kernel_dir=$1 suite=$2 limit=${3:-840}
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "run-vm: must run as root (the guest reads the whole host filesystem)" >&2; exit 1; }
for f in vmlinuz initramfs.cpio.gz release; do
    [ -r "$kernel_dir/$f" ] || { echo "run-vm: $kernel_dir/$f is missing (built by make-initramfs.sh)" >&2; exit 1; }
done
qemu=$(command -v qemu-system-x86_64) || { echo "run-vm: qemu-system-x86_64 is missing (.ci/install-deps)" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/winbpf-vm.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cp "$suite" "$scratch/suite"
accel=tcg
[ -w /dev/kvm ] && [ "${WINBPF_VM_KVM:-0}" = 1 ] && accel=kvm

start=$(date +%s)
set +e
timeout -k 10 "$limit" "$qemu" -nodefaults -no-user-config -nographic -no-reboot \
    -machine pc,accel=$accel -cpu max -smp 2 -m 2048 \
    -kernel "$kernel_dir/vmlinuz" -initrd "$kernel_dir/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 no_timer_check quiet loglevel=4 winbpf.guest=$here/guest.sh" \
    -serial "file:$scratch/console.log" -monitor none \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs local,path="$scratch",mount_tag=scratch,security_model=none,multidevs=remap
qemu_rc=$?
set -e
elapsed=$(($(date +%s) - start))

status=0
echo "== VM: $(cat "$kernel_dir/release"), qemu $accel, 2 vCPUs: ${elapsed}s (qemu exit $qemu_rc)"
[ -r "$scratch/guest-info" ] && sed 's/^/== guest /' "$scratch/guest-info"
if [ $qemu_rc = 124 ] || [ $qemu_rc = 137 ]; then
    echo "== VM: timed out after ${limit}s"
    status=1
fi
while IFS=$'\t' read -r name command; do
    [ -n "$name" ] || continue
    echo "== $name: $command"
    [ -r "$scratch/$name.log" ] && cat "$scratch/$name.log"
done <"$suite"
if ! grep -qx done "$scratch/results" 2>/dev/null; then
    echo "== VM: the suite did not finish; console:"
    cat "$scratch/console.log" 2>/dev/null || true
    status=1
fi
echo "== summary (name, exit code, seconds in the VM)"
while read -r name rc seconds; do
    [ "$name" = done ] && continue
    echo "   $name: exit $rc, ${seconds}s"
    [ "$rc" = 0 ] || status=1
done <"$scratch/results" 2>/dev/null || true
echo "== deny enforcement (command: line)"
while IFS=$'\t' read -r name command; do
    [ -r "$scratch/$name.log" ] || continue
    grep -a "Deny enforcement" "$scratch/$name.log" | sed "s|^|   $name: |" || true
done <"$suite"
exit $status

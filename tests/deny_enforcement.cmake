# The deny enforcement (lsm or sigkill, docs/hooks/process.md) that each kernel the tests run on must get, stated per
# kernel release (uname -r) instead of taken from the loader's probe: the deny tests
# (tests/hooks/process/deny_test.cpp) fail when the loader chooses another mode. Used for the host
# (WINBPF_HOST_DENY_ENFORCEMENT) and for each kernel the VM suite boots (tests/vm).

# winbpf_expected_deny_enforcement(RELEASE OUT): OUT is lsm, sigkill, or empty for a kernel the table does not know.
function(winbpf_expected_deny_enforcement release out)
  set(mode "")
  if(release MATCHES "^6\\.1\\.0-[0-9]+-amd64$" OR release MATCHES "^6\\.12\\.[0-9]+\\+deb12-amd64$")
    # Debian 12's 6.1 and 6.12 kernels: CONFIG_BPF_LSM=y, bpf in CONFIG_LSM (active at boot): BPF LSM programs load.
    set(mode lsm)
  elseif(release MATCHES "^6\\.18\\.[0-9]+-fc-")
    # The development and CI machines' 6.18 (Firecracker): bpf is an active LSM, yet loading an LSM program is
    # refused with EPERM.
    set(mode sigkill)
  endif()
  set(${out} "${mode}" PARENT_SCOPE)
endfunction()

set(WINBPF_HOST_DENY_ENFORCEMENT "" CACHE STRING
    "Deny enforcement (lsm or sigkill) the host's deny tests expect; empty: by this kernel's release (tests/deny_enforcement.cmake)")
if(WINBPF_HOST_DENY_ENFORCEMENT)
  set(winbpf_host_deny_enforcement ${WINBPF_HOST_DENY_ENFORCEMENT})
  set(winbpf_host_deny_enforcement_source "-DWINBPF_HOST_DENY_ENFORCEMENT")
else()
  winbpf_expected_deny_enforcement("${CMAKE_HOST_SYSTEM_VERSION}" winbpf_host_deny_enforcement)
  set(winbpf_host_deny_enforcement_source "kernel ${CMAKE_HOST_SYSTEM_VERSION} in tests/deny_enforcement.cmake")
endif()
if(winbpf_host_deny_enforcement AND NOT winbpf_host_deny_enforcement MATCHES "^(lsm|sigkill)$")
  message(FATAL_ERROR "WINBPF_HOST_DENY_ENFORCEMENT is '${winbpf_host_deny_enforcement}': lsm or sigkill")
endif()
if(NOT winbpf_host_deny_enforcement)
  message(WARNING "No expected deny enforcement for kernel ${CMAKE_HOST_SYSTEM_VERSION}: the deny tests will fail "
                  "until tests/deny_enforcement.cmake names it or -DWINBPF_HOST_DENY_ENFORCEMENT=lsm|sigkill states it")
endif()

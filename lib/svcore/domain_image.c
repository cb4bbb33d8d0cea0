/*
 * Linked into every domain image (guest, netdd, the test domains): what a
 * program needs to run inside the sandbox (hypervisor/sandbox.c).
 */
#include "sv/hcall.h"

int __lsan_is_turned_off(void);
const char *__asan_default_options(void);

/*
 * LeakSanitizer needs ptrace and fork, which the sandbox refuses, so its
 * exit-time check fails the domain.  ASAN_OPTIONS cannot turn it off: the
 * sanitizers read their options from /proc/self/environ, which is root's
 * mode 0400 in a process that is not dumpable, as a domain is.  This hook is
 * read at exit instead (the executable's definition wins over libasan's
 * weak one); in dom0 the check still runs.
 */
__attribute__((visibility("default"))) int __lsan_is_turned_off(void)
{
    return hcall_in_domain();
}

/* For the same reason, the options ASan cannot read: freed memory it holds
 * back (256 MiB by default) is kept within the domain's memory overhead
 * (SV_DOMAIN_MEMORY_OVERHEAD, sv/abi/hypercall.h). */
__attribute__((visibility("default"))) const char *__asan_default_options(void)
{
    return "quarantine_size_mb=16";
}

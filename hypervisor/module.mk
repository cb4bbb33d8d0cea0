# splitvisor: the hypervisor daemon and `splitvisor start|stop|status`.
HV_CORE_SRCS := hypervisor/p2m.c hypervisor/grant.c hypervisor/evtchn.c hypervisor/quota.c
PROGRAMS += splitvisor
splitvisor_SRCS := hypervisor/main.c hypervisor/channel.c hypervisor/domain.c \
                   hypervisor/sandbox.c hypervisor/console.c hypervisor/procfs.c \
                   hypervisor/hc_grant.c hypervisor/hc_event.c hypervisor/hc_domctl.c \
                   hypervisor/pci.c hypervisor/fdreap.c \
                   $(HV_CORE_SRCS)
splitvisor_LIBS := svxnic xenstore svcore
splitvisor_LDLIBS := -levent -lseccomp

UNIT_TESTS += test_grant test_evtchn test_p2m test_fdreap test_quota test_procfs
test_grant_SRCS := hypervisor/tests/test_grant.c hypervisor/grant.c hypervisor/p2m.c hypervisor/quota.c
test_evtchn_SRCS := hypervisor/tests/test_evtchn.c hypervisor/evtchn.c hypervisor/quota.c
test_p2m_SRCS := hypervisor/tests/test_p2m.c hypervisor/p2m.c hypervisor/quota.c
test_fdreap_SRCS := hypervisor/tests/test_fdreap.c hypervisor/fdreap.c
test_fdreap_LIBS := svcore
test_quota_SRCS := hypervisor/tests/test_quota.c hypervisor/quota.c
test_procfs_SRCS := hypervisor/tests/test_procfs.c hypervisor/procfs.c

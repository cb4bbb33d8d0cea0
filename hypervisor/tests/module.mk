# The hypervisor's pure cores: grant tables, event channels, the p2m, quotas,
# the fd reaper.
UNIT_TESTS += test_grant test_evtchn test_p2m test_fdreap test_quota
test_grant_SRCS := hypervisor/tests/test_grant.c hypervisor/grant.c hypervisor/p2m.c hypervisor/quota.c
test_evtchn_SRCS := hypervisor/tests/test_evtchn.c hypervisor/evtchn.c hypervisor/quota.c
test_p2m_SRCS := hypervisor/tests/test_p2m.c hypervisor/p2m.c hypervisor/quota.c
test_p2m_LIBS := svcore
test_fdreap_SRCS := hypervisor/tests/test_fdreap.c hypervisor/fdreap.c
test_fdreap_LIBS := svcore
test_quota_SRCS := hypervisor/tests/test_quota.c hypervisor/quota.c

# The dispatcher over a socket pair, every handler a recorder.
UNIT_TESTS += test_channel
test_channel_SRCS := hypervisor/tests/test_channel.c hypervisor/channel.c hypervisor/quota.c
test_channel_LIBS := svcore
test_channel_LDLIBS := -levent

# The PCI function table and its hypercalls; the device model a recorder.
UNIT_TESTS += test_pci
test_pci_SRCS := hypervisor/tests/test_pci.c hypervisor/pci.c $(HV_CORE_SRCS)
test_pci_LIBS := svcore
test_pci_LDLIBS := -levent

# The domain lifecycle and dom0's calls that wait on it; sandbox, console
# and channels recorders, each domain's process a paused child.
UNIT_TESTS += test_domain
test_domain_SRCS := hypervisor/tests/test_domain.c hypervisor/domain.c hypervisor/procfs.c \
                    hypervisor/wait.c \
                    $(HV_CORE_SRCS)
test_domain_LIBS := svcore
test_domain_LDLIBS := -levent

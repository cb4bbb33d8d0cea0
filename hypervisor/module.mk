# splitvisor: the hypervisor daemon and `splitvisor start|stop|status`.
HV_CORE_SRCS := hypervisor/p2m.c hypervisor/grant.c hypervisor/evtchn.c hypervisor/quota.c
PROGRAMS += splitvisor
splitvisor_SRCS := hypervisor/main.c hypervisor/channel.c hypervisor/domain.c \
                   hypervisor/sandbox.c hypervisor/console.c hypervisor/procfs.c \
                   hypervisor/hc_grant.c hypervisor/hc_event.c hypervisor/hc_domctl.c \
                   hypervisor/pci.c hypervisor/fdreap.c hypervisor/cgreap.c hypervisor/wait.c \
                   $(HV_CORE_SRCS)
splitvisor_LIBS := svxnic svcore
splitvisor_LDLIBS := -levent -lseccomp

# xl: the toolstack's command line (dom0), a thin front end over libsvl.
PROGRAMS += xl
xl_SRCS := $(addprefix dom0-tools/xl/,xl.c xl_create.c xl_list.c xl_domain.c xl_console.c \
                                      xl_monitor.c xl_exec.c xl_pci.c xl_network.c xl_devlist.c \
                                      xl_top.c xl_info.c xl_sched.c xl_vcpu.c xl_stats.c)
xl_LIBS := svl svconfig svxenbus xenctrl xenevtchn xenstore svcore

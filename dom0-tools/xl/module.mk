# xl: the toolstack's command line (dom0).
PROGRAMS += xl
xl_SRCS := dom0-tools/xl/xl.c dom0-tools/xl/xl_create.c dom0-tools/xl/xl_list.c \
           dom0-tools/xl/xl_domain.c dom0-tools/xl/xl_console.c dom0-tools/xl/monitor.c \
           dom0-tools/xl/userdata.c dom0-tools/xl/xl_exec.c \
           dom0-tools/xl/xl_pci.c dom0-tools/xl/xs_home.c \
           dom0-tools/xl/vif.c dom0-tools/xl/xl_network.c dom0-tools/xl/guestnet.c dom0-tools/xl/vf.c \
           dom0-tools/xl/xl_top.c dom0-tools/xl/xl_info.c \
           dom0-tools/xl/xl_sched.c
xl_LIBS := svconfig svxenbus xenctrl xenevtchn xenstore svcore

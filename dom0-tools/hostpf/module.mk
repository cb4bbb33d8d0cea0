# hostpf: the host's PF driver, which configures a PF's VFs and answers
# their mailboxes (libsvvfowner) while no driver domain holds the PF.
PROGRAMS += hostpf
hostpf_SRCS := dom0-tools/hostpf/hostpf.c
hostpf_LIBS := svvfowner svnetback svnetif svxnic svxenbus xenstore svcore
hostpf_LDLIBS := -levent

# init-dom0: dom0's side of a host (xenstored, /local/domain/0), which
# `splitvisor start` and `stop` run once the hypervisor answers.
PROGRAMS += init-dom0
init-dom0_SRCS := dom0-tools/init-dom0/init_dom0.c
init-dom0_LIBS := xenstore svcore

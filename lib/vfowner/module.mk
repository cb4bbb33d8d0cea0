# libsvvfowner: the PF owner's side of SR-IOV VFs (docs/networking.md, "Who
# configures a VF"): the toolstack's backend/vf requests served with VPORT_CONFIG
# and VLAN_SET, failover's STANDBY moves, and the PF <-> VF mailbox answered
# (docs/xnic.md), over a PF driven with libsvxnic.  netdd links it, and the
# host's PF driver (hostpf) when no driver domain holds the PF.
SHLIBS += svvfowner
svvfowner_SRCS := $(addprefix lib/vfowner/,vf_config.c vf_mbx.c vf_pf.c)
svvfowner_LIBS := svnetback svxnic svnetif svxenbus xenstore svcore
svvfowner_LDLIBS := -levent

# make install / make uninstall and the man pages (included by the Makefile).
#
# The layout is Debian's for Xen (/usr/lib/xen-4.17/{bin,lib}): every program
# and our libraries in a private tree, PKGLIBDIR/{bin,lib}, as they are in
# build/, so the programs' rpath ($ORIGIN/../lib) and the hypervisor's
# lookup of its helpers (xenstored, xnic: beside its own executable) hold
# unchanged.  Our libxenctrl, libxenevtchn, libxengnttab and libxenstore
# carry the sonames of Xen's: in the system's library directory they would
# shadow Debian's libxen packages, hence the private one.  The commands an
# operator types are links in SBINDIR.  No headers: our libraries take
# Xen's, from libxen-dev, and sv/*.h are no public interface.
#
#   make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc]
#   make uninstall (same variables)

PREFIX ?= /usr/local
# /etc whatever the prefix, as Xen's configure does: the units and the
# autostart script read the host's configuration there.
SYSCONFDIR ?= /etc
SBINDIR ?= $(PREFIX)/sbin
PKGLIBDIR ?= $(PREFIX)/lib/splitvisor
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/splitvisor
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# The units give the daemons and xl SPLITVISOR_LOGDIR=LOGDIR.
LOGDIR ?= /var/log/splitvisor
# The programs' compiled-in default (SV_DEFAULT_RUNDIR), for the units.
RUNDIR := /run/splitvisor

MAN_PAGES := xl.1 xl.cfg.5 splitvisor.8
# Each page: its header (docs/man/PAGE.md: title, NAME, SYNOPSIS) and the
# body of the document it is (less its title), so the docs are the one source.
xl.1_BODY := docs/xl.md
xl.cfg.5_BODY := docs/config.md
splitvisor.8_BODY := docs/host.md
MAN_OUT := $(addprefix build/man/,$(MAN_PAGES))

.SECONDEXPANSION:

build/man/%: docs/man/%.md $$($$*_BODY)
	@mkdir -p $(@D)
	@command -v go-md2man >/dev/null || { echo "man pages need go-md2man (make deps)" >&2; exit 1; }
	@$(if $(Q),echo "  MAN     $@")
	$(Q){ cat $<; echo; sed 1d $($*_BODY); } | go-md2man >$@.tmp && mv $@.tmp $@


# Paths baked into the files that name them (@NAME@ -> value).
DIST_SUBST := sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
                  -e 's|@PKGLIBDIR@|$(PKGLIBDIR)|g' -e 's|@LOGDIR@|$(LOGDIR)|g' \
                  -e 's|@RUNDIR@|$(RUNDIR)|g'
DIST_UNITS := splitvisor.service splitvisor-domains.service splitvisor-domain@.service
DIST_COMMANDS := splitvisor xl splitvisor-domains
DIST_DOCS := README.md $(wildcard docs/*.md)
DIST_EXAMPLES := $(wildcard examples/*)
D := $(DESTDIR)

.PHONY: man install uninstall
man: $(MAN_OUT)

install: all man
	install -d $(D)$(PKGLIBDIR)/bin $(D)$(PKGLIBDIR)/lib $(D)$(SBINDIR) \
		$(D)$(MANDIR)/man1 $(D)$(MANDIR)/man5 $(D)$(MANDIR)/man8 $(D)$(DOCDIR)/examples \
		$(D)$(BASHCOMPDIR) $(D)$(SYSTEMDUNITDIR) $(D)$(SYSCONFDIR)/splitvisor/auto \
		$(D)$(SYSCONFDIR)/logrotate.d
	install -d -m 0750 $(D)$(LOGDIR)
	install -m 0755 $(addprefix $(BIN)/,$(PROGRAMS)) $(D)$(PKGLIBDIR)/bin/
	install -m 0755 $(foreach l,$(SHLIBS),$(LIBDIR)/lib$(l).so) $(D)$(PKGLIBDIR)/lib/
	$(DIST_SUBST) dist/splitvisor-domains >$(D)$(PKGLIBDIR)/bin/splitvisor-domains
	chmod 0755 $(D)$(PKGLIBDIR)/bin/splitvisor-domains
	for c in $(DIST_COMMANDS); do ln -sfr $(D)$(PKGLIBDIR)/bin/$$c $(D)$(SBINDIR)/$$c; done
	for p in $(MAN_PAGES); do install -m 0644 build/man/$$p $(D)$(MANDIR)/man$${p##*.}/; done
	install -m 0644 $(DIST_DOCS) $(D)$(DOCDIR)/
	for f in $(DIST_EXAMPLES); do \
		sed 's|build/bin/|$(PKGLIBDIR)/bin/|g' $$f >$(D)$(DOCDIR)/$$f; done
	install -m 0644 dist/xl.bash-completion $(D)$(BASHCOMPDIR)/xl
	for u in $(DIST_UNITS); do $(DIST_SUBST) dist/$$u >$(D)$(SYSTEMDUNITDIR)/$$u; done
	$(DIST_SUBST) dist/logrotate >$(D)$(SYSCONFDIR)/logrotate.d/splitvisor
	# The host's configuration is the operator's: never overwritten.
	[ -e $(D)$(SYSCONFDIR)/splitvisor/host.cfg ] || \
		install -m 0644 dist/host.cfg $(D)$(SYSCONFDIR)/splitvisor/host.cfg

uninstall:
	rm -f $(addprefix $(D)$(PKGLIBDIR)/bin/,$(PROGRAMS) splitvisor-domains) \
		$(foreach l,$(SHLIBS),$(D)$(PKGLIBDIR)/lib/lib$(l).so) \
		$(addprefix $(D)$(SBINDIR)/,$(DIST_COMMANDS)) \
		$(D)$(MANDIR)/man1/xl.1 $(D)$(MANDIR)/man5/xl.cfg.5 $(D)$(MANDIR)/man8/splitvisor.8 \
		$(addprefix $(D)$(DOCDIR)/,$(notdir $(DIST_DOCS)) $(DIST_EXAMPLES)) \
		$(D)$(BASHCOMPDIR)/xl $(addprefix $(D)$(SYSTEMDUNITDIR)/,$(DIST_UNITS)) \
		$(D)$(SYSCONFDIR)/logrotate.d/splitvisor
	# host.cfg only as shipped; auto/ and the logs only when empty (the
	# operator's).
	! cmp -s dist/host.cfg $(D)$(SYSCONFDIR)/splitvisor/host.cfg || \
		rm -f $(D)$(SYSCONFDIR)/splitvisor/host.cfg
	-rmdir $(D)$(PKGLIBDIR)/bin $(D)$(PKGLIBDIR)/lib $(D)$(PKGLIBDIR) \
		$(D)$(DOCDIR)/examples $(D)$(DOCDIR) $(D)$(SYSCONFDIR)/splitvisor/auto \
		$(D)$(SYSCONFDIR)/splitvisor $(D)$(LOGDIR) 2>/dev/null

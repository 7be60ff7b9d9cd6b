# SPDX-License-Identifier: GPL-2.0
#
# Thin wrapper: the module is built by the kernel's kbuild (see Kbuild),
# the tool by tools/Makefile, everything that needs a VM by selftests/vm/.

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
KERNELRELEASE ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
# Every kernel on this machine whose headers are installed.
KERNELS ?= $(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build)))
PREFIX ?= /usr/local
DESTDIR ?=
SMTPGUARD_CACHE ?= $(HOME)/.cache/smtpguard
CHECKPATCH ?= $(SMTPGUARD_CACHE)/linux-source-6.12/scripts/checkpatch.pl

.PHONY: all module module-all tool clean check demo bench deps style sparse \
	dkms-install dkms-remove install module-install deb check-debug \
	check-mutants bench-cache bench-cache-quick bench-updates

all: module tool

# Build for one kernel (KERNELRELEASE or KDIR), in the tree, as DKMS does.
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Build for every installed kernel, each in build/<release>/ so that the
# object files of different kernels never mix.  W=1 is the project's bar.
# MODULE_KDIR: the build tree of a kernel not installed here (check-debug's
# debug kernel; KERNELS is then its release).
MODULE_KDIR ?=
module-all:
	@set -e; for k in $(KERNELS); do \
		d=$(CURDIR)/build/$$k; mkdir -p $$d; \
		kd="$(MODULE_KDIR)"; [ -n "$$kd" ] || kd=/lib/modules/$$k/build; \
		rm -rf $$d/kmod; cp -a Kbuild kmod include $$d/; \
		echo "  MODULE  $$k"; \
		$(MAKE) -s -C $$kd M=$$d W=1 modules; \
	done

tool:
	$(MAKE) -C tools

module-install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KERNELRELEASE)

# smtpguardctl, its man page, bash completion and systemd units (those that
# exist), see tools/Makefile.  PREFIX=/usr for the Debian paths.
install: tool
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# DKMS: the sources DKMS builds from go to $(DKMS_SRC); DKMS= may carry
# options (the tests use a scratch root instead, see check/pkg/).
DKMS ?= dkms
DKMS_SRC ?= /usr/src/smtpguard-$(VERSION)
DKMS_FILES := Kbuild dkms.conf kmod include
dkms-guard = @if dpkg-query -S $(DKMS_SRC) >/dev/null 2>&1; then \
	echo "$(DKMS_SRC) belongs to the smtpguard-dkms package: use apt, not make $@" >&2; \
	exit 1; fi

# Register the sources with DKMS, build and install for KERNELRELEASE (the
# running kernel by default); run again, it rebuilds from the current tree.
dkms-install:
	$(dkms-guard)
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -a $(DKMS_FILES) $(DKMS_SRC)/
	@if $(DKMS) status smtpguard/$(VERSION) | grep -q .; then \
		echo "$(DKMS) unbuild smtpguard/$(VERSION) -k $(KERNELRELEASE)"; \
		$(DKMS) unbuild smtpguard/$(VERSION) -k $(KERNELRELEASE) >/dev/null 2>&1 || true; \
	else \
		echo "$(DKMS) add smtpguard/$(VERSION)"; \
		$(DKMS) add smtpguard/$(VERSION); \
	fi
	$(DKMS) build smtpguard/$(VERSION) -k $(KERNELRELEASE)
	$(DKMS) install smtpguard/$(VERSION) -k $(KERNELRELEASE)

# Uninstall from every kernel, unregister, delete the sources.
dkms-remove:
	$(dkms-guard)
	@if $(DKMS) status smtpguard/$(VERSION) | grep -q .; then \
		echo "$(DKMS) remove smtpguard/$(VERSION) --all"; \
		$(DKMS) remove smtpguard/$(VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC)

# smtpguard-dkms and smtpguard-tools, with dpkg-buildpackage (debian/), into
# build/deb/, built in a copy of the tree (the files a package holds).
DEB_FILES := $(wildcard Makefile Kbuild dkms.conf kmod include tools debian doc \
	completion systemd README.md)
deb:
	@v=$$(dpkg-parsechangelog -S Version); if [ "$$v" != "$(VERSION)" ]; then \
		echo "debian/changelog says $$v, dkms.conf $(VERSION): add an entry (dch -v $(VERSION))" >&2; \
		exit 1; fi
	rm -rf build/deb
	mkdir -p build/deb/src/smtpguard-$(VERSION)
	cp -a $(DEB_FILES) build/deb/src/smtpguard-$(VERSION)/
	cd build/deb/src/smtpguard-$(VERSION) && dpkg-buildpackage -b -us -uc
	mv build/deb/src/*.deb build/deb/src/*.buildinfo build/deb/src/*.changes build/deb/
	rm -rf build/deb/src
	@ls -1 build/deb/*.deb

deps:
	selftests/vm/deps.sh

# The one test command: builds, unit tests, DKMS, VM selftests on 6.1 and
# 6.12.  Ends with "N passed, N failed, N skipped".
check:
	check/check.sh

# The VM suite, the netlink fuzzer among it, on a debug kernel (KASAN,
# lockdep with PROVE_RCU, KMEMLEAK, DEBUG_ATOMIC_SLEEP) built once from
# linux-source-6.12 into $(SMTPGUARD_CACHE); too long for check (README,
# "Security").  Ends with "N passed, N failed, N skipped" as check does.
check-debug:
	check/check-debug.sh

# Deliberately broken modules (check/mutants/mutants.txt), each run
# against the scripts that must catch it; fails if one survives.  Not part
# of check (about 15 minutes); README has its last result.
check-mutants:
	check/check-mutants.sh

demo:
	selftests/vm/deps.sh
	$(MAKE) module-all tool
	selftests/vm/run.sh --demo

bench:
	selftests/vm/deps.sh
	$(MAKE) module-all tool
	bench/run.sh

# The blocklist lookup (kmod/block_table.c itself, compiled for userspace)
# timed on this host's caches, no VM: ns per lookup and cache misses per
# lookup (bench/README.md, "Lookup on real caches").  A few minutes; the
# quick one checks lookups against a reference in seconds (check.sh runs it).
bench-cache:
	$(MAKE) -C bench/cache run

bench-cache-quick:
	$(MAKE) -C bench/cache quick

# The blocklist's update cost and memory against ipset and nftables.
bench-updates:
	selftests/vm/deps.sh
	$(MAKE) module-all tool
	bench/run-updates.sh --both

style:
	$(CHECKPATCH) --strict --no-tree --terse --show-types \
		-f kmod/*.c kmod/*.h

sparse:
	@set -e; for k in $(KERNELS); do \
		d=$(CURDIR)/build/sparse-$$k; mkdir -p $$d; \
		cp -a Kbuild kmod include $$d/; \
		$(MAKE) -s -C /lib/modules/$$k/build M=$$d C=2 modules; \
	done

clean:
	$(MAKE) -C tools clean
	rm -rf build
	@if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi

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
	dkms-install dkms-remove install module-install

all: module tool

# Build for one kernel (KERNELRELEASE or KDIR), in the tree, as DKMS does.
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Build for every installed kernel, each in build/<release>/ so that the
# object files of different kernels never mix.  W=1 is the project's bar.
module-all:
	@set -e; for k in $(KERNELS); do \
		d=$(CURDIR)/build/$$k; mkdir -p $$d; \
		cp -a Kbuild kmod include $$d/; \
		echo "  MODULE  $$k"; \
		$(MAKE) -s -C /lib/modules/$$k/build M=$$d W=1 modules; \
	done

tool:
	$(MAKE) -C tools

module-install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KERNELRELEASE)

install: tool
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# Register the sources with DKMS, build and install for the running kernel.
dkms-install:
	mkdir -p /usr/src/smtpguard-$(VERSION)
	cp -a Kbuild dkms.conf kmod include /usr/src/smtpguard-$(VERSION)/
	dkms add smtpguard/$(VERSION)
	dkms build smtpguard/$(VERSION) -k $(KERNELRELEASE)
	dkms install smtpguard/$(VERSION) -k $(KERNELRELEASE)

dkms-remove:
	dkms remove smtpguard/$(VERSION) --all
	rm -rf /usr/src/smtpguard-$(VERSION)

deps:
	selftests/vm/deps.sh

# The one test command: builds, unit tests, DKMS, VM selftests on 6.1 and
# 6.12.  Ends with "N passed, N failed, N skipped".
check:
	selftests/check.sh

demo:
	selftests/vm/deps.sh
	$(MAKE) module-all tool
	selftests/vm/run.sh --demo

bench:
	selftests/vm/deps.sh
	$(MAKE) module-all tool
	bench/run.sh

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

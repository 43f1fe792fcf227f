# SPDX-License-Identifier: GPL-2.0
#
# multikernel: build the patched 6.12 kernel, boot it in QEMU, test it.
# `make help` lists the targets.

SHELL		:= /bin/bash
# Debian's tools only, whatever the build machine has first in PATH (some
# have another python3 ahead of /usr/bin, without the modules we need).
export PATH	:= /usr/sbin:/usr/bin:/sbin:/bin
TOP		:= $(CURDIR)
BUILD		:= $(TOP)/build
SRC		:= $(BUILD)/linux
OBJ		:= $(BUILD)/obj
TARBALL		:= /usr/src/linux-source-6.12.tar.xz
CONFIG_FRAGS	:= $(TOP)/configs/qemu-x86_64.config
BZIMAGE		:= $(OBJ)/arch/x86/boot/bzImage
TOOLS_OUT	:= $(BUILD)/tools
SELFTESTS_OUT	:= $(BUILD)/selftests
INITRAMFS	:= $(BUILD)/initramfs.cpio.gz
# make rootfs: Debian for a spawn's virtio disk (make run MODE=debian).
ROOTFS		:= $(BUILD)/debian.img
# The debug tier's kernel: the same fragment plus lockdep, KASAN, UBSAN,
# kmemleak... (configs/debug.config), for host and spawns.
DEBUG_OBJ	:= $(BUILD)/obj-debug
DEBUG_FRAGS	:= $(CONFIG_FRAGS) $(TOP)/configs/debug.config
DEBUG_BZIMAGE	:= $(DEBUG_OBJ)/arch/x86/boot/bzImage
DEBUG_INITRAMFS	:= $(BUILD)/initramfs-debug.cpio.gz
JOBS		?= $(shell echo $$(( $$(nproc) + 1 )))

# ccache keeps its cache outside build/ so that fresh clones on this
# machine (CI) reuse it, wherever they are: paths under the checkout are
# hashed relative to it.
export CCACHE_DIR ?= $(HOME)/.cache/ccache
export CCACHE_BASEDIR := $(TOP)
export CCACHE_NOHASHDIR := 1
KMAKE_ANY	:= $(MAKE) -C $(SRC) CC="ccache gcc" HOSTCC="ccache gcc"
KMAKE		:= $(KMAKE_ANY) O=$(OBJ)

.PHONY: help deps tree kernel kernel-debug tools selftests initramfs initramfs-debug \
	run rootfs test bench check check-configs check-distro series check-series clean

help:
	@echo "make deps       install the Debian packages the project needs"
	@echo "make kernel     unpack linux-source-6.12, apply patches/ and the overlay, build bzImage"
	@echo "make kernel-debug  the same kernel with configs/debug.config (lockdep, KASAN, ...)"
	@echo "make tools      build mkctl (static) and the kselftests"
	@echo "make initramfs  busybox initramfs with mkctl and the kselftests"
	@echo "make run        boot the QEMU demo (interactive shell when stdin is a terminal)"
	@echo "make run MODE=debian  the demo with a spawn booting Debian from a virtio disk"
	@echo "make rootfs     build/debian.img: Debian bookworm for a spawn (debootstrap, cached)"
	@echo "make test       KUnit, mkctl tests and kselftests; ends with 'N passed, N failed'"
	@echo "make check      checkpatch --strict on every file we own"
	@echo "make check-configs  CONFIG_MULTIKERNEL=n build and boot, Debian cloud config, sparse"
	@echo "make check-distro  Debian cloud-amd64 + CONFIG_MULTIKERNEL as host and spawn (~32 min cold)"
	@echo "make series     git format-patch series of overlay + patches/ in build/series/"
	@echo "make check-series  git am it on pristine 6.12, same tree, each patch builds, checkpatch"
	@echo "make clean      remove build/ (the ccache stays)"

deps:
	@$(TOP)/scripts/deps.sh

tree: deps
	@$(TOP)/scripts/prepare-tree.py $(TARBALL) $(SRC)

kernel: tree
	@$(TOP)/scripts/configure.sh $(SRC) $(OBJ) $(CONFIG_FRAGS)
	+@$(KMAKE) -s -j$(JOBS) bzImage
	@echo "kernel: $(BZIMAGE) ($$(date +%T))"

tools: kernel
	@mkdir -p $(TOOLS_OUT) $(SELFTESTS_OUT)
	+@$(KMAKE) -s headers
	+@$(MAKE) -s -C $(SRC)/tools/multikernel OUTPUT=$(TOOLS_OUT)/ STATIC=1 \
		DESTDIR=$(TOOLS_OUT)/install all install
	+@$(MAKE) -s -C $(SRC)/tools/testing/selftests/multikernel \
		OUTPUT=$(SELFTESTS_OUT) LDFLAGS=-static \
		KHDR_INCLUDES="-isystem $(OBJ)/usr/include"

initramfs: tools
	@$(TOP)/scripts/mkinitramfs.sh $(INITRAMFS) $(TOOLS_OUT) $(SELFTESTS_OUT)

kernel-debug: tree
	@$(TOP)/scripts/configure.sh $(SRC) $(DEBUG_OBJ) $(DEBUG_FRAGS)
	+@$(KMAKE_ANY) O=$(DEBUG_OBJ) -s -j$(JOBS) bzImage
	@echo "kernel-debug: $(DEBUG_BZIMAGE) ($$(date +%T))"

# The test initramfs of the debug kernel: /boot/bzImage-host is the debug
# kernel, /boot/bzImage (what most spawns boot) the lean one.
initramfs-debug: tools kernel kernel-debug
	@MK_HOST_BZIMAGE=$(DEBUG_BZIMAGE) $(TOP)/scripts/mkinitramfs.sh \
		$(DEBUG_INITRAMFS) $(TOOLS_OUT) $(SELFTESTS_OUT)

run: kernel initramfs $(if $(filter debian,$(MODE)),rootfs)
	@$(TOP)/scripts/run-demo.sh $(BZIMAGE) $(INITRAMFS) \
		$(if $(filter debian,$(MODE)),$(ROOTFS))

rootfs: deps
	@$(TOP)/scripts/mkrootfs.sh $(ROOTFS)

test: kernel initramfs initramfs-debug rootfs
	@DEBUG_BZIMAGE=$(DEBUG_BZIMAGE) DEBUG_INITRAMFS=$(DEBUG_INITRAMFS) ROOTFS=$(ROOTFS) \
		$(TOP)/scripts/test.sh $(BZIMAGE) $(INITRAMFS) $(TOOLS_OUT)

bench: kernel initramfs
	@$(TOP)/scripts/bench.sh $(BZIMAGE) $(INITRAMFS)

check: tree
	@$(TOP)/scripts/checkpatch.sh $(SRC)

check-configs: tree
	@$(TOP)/scripts/check-configs.sh $(SRC)

series: deps
	@$(TOP)/scripts/mkseries.py

check-distro: tools
	@$(TOP)/scripts/check-distro.sh $(SRC) $(TOOLS_OUT) $(SELFTESTS_OUT)

check-series: tree
	@$(TOP)/scripts/check-series.sh $(SRC)

clean:
	rm -rf $(BUILD)

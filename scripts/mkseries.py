#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the overlay and patches/ into a git format-patch series.

  mkseries.py          write build/series/: a cover letter and one patch
                       per area, in series order
  mkseries.py --plan   print what scripts/check-series.sh builds after
                       each patch, one "N KIND ARG" line per check: obj
                       (a kernel object), uapi, mkctl, selftests, force
                       (define the GATE symbol for the compile test),
                       kernel-final (no kernel file changes after this
                       patch), none

The kernel tree is produced the same way as scripts/prepare-tree.py does
(whose helpers are used here): the pristine linux-source-6.12 tarball,
patches/series applied, the MAINTAINERS section inserted, the overlay
copied. This script cuts that into areas:

* RULES below is the one table that says which area every overlay file,
  every hunk of patches/*.patch and every config symbol of a staged
  Kconfig belongs to. An overlay file or hunk that no rule maps stops
  everything, naming it: add a rule.
* Each patch must build on its own, so files that grow with the series
  are staged: a kbuild Makefile lists only the objects whose sources
  exist at that point, a staged Kconfig only the symbols of the areas so
  far, and the MAINTAINERS section only the F: entries that match files
  already added. After the last patch every file is exactly as
  prepare-tree.py makes it.
* The pieces call each other, so CONFIG_MULTIKERNEL only links with all
  of them: the architecture's opt-in (GATE) comes after the last piece,
  and the patches before it build because the option cannot be set.

The pristine tree is committed once into a git repository,
build/series-base (tag "pristine"); each area becomes one commit on top,
and "git format-patch" writes the series.
"""
import fcntl
import fnmatch
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(REPO, "build")
BASE = os.path.join(BUILD, "series-base")
OUT = os.path.join(BUILD, "series")
TARBALL = os.environ.get("TARBALL", "/usr/src/linux-source-6.12.tar.xz")
BRANCH = "mk-series"

sys.dont_write_bytecode = True  # no scripts/__pycache__
_spec = importlib.util.spec_from_file_location(
    "prepare_tree", os.path.join(REPO, "scripts", "prepare-tree.py"))
pt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pt)


class Area:
    """One patch of the series."""

    def __init__(self, name, subject, body, objects=()):
        self.name = name
        self.subject = subject
        self.body = textwrap.dedent(body).strip("\n")
        self.objects = list(objects)  # built after this patch as well


# The patches, in series order. Subjects and changelogs say why.
AREAS = [
    Area("la57", "x86/cpu: keep LA57 set while identify_cpu() redetects the boot CPU",
         """
        identify_cpu() clears every capability bit of the CPU it identifies
        and detects them again. For the boot CPU that is boot_cpu_data, and
        before alternatives are applied pgtable_l5_enabled() reads
        X86_FEATURE_LA57 from there. Interrupts are enabled by then: one
        taken in that window runs with __VIRTUAL_MASK_SHIFT at 47 on a
        5-level kernel. With generic KASAN, KASAN_SHADOW_START then moves
        and the first per-CPU access of the interrupt entry is reported as
        a wild memory access (in rcu_is_watching(), from
        trace_irq_disable(), irqentry_enter(), common_interrupt(),
        interrupting cpu_detect(), identify_cpu(),
        arch_cpu_finalize_init()).

        Seen on about one boot in four of a PROVE_LOCKING + KASAN kernel
        with X86_5LEVEL under QEMU TCG (-cpu max has LA57). The paging mode
        cannot change here: keep the bit across the reset. An independent
        fix, first in the series; the multikernel tests boot such kernels
        dozens of times a run.
        """),
    Area("base", "multikernel: add the Kconfig option and the headers", """
        A running kernel can boot further, independent Linux kernels on
        CPUs it has taken offline and on memory it has set aside, and
        live beside them without a hypervisor. This series adds that as
        CONFIG_MULTIKERNEL, in the kexec menu next to the other ways of
        starting a kernel. The option needs an architecture that can
        start a CPU at an address of its choosing and run a kernel as a
        guest platform (ARCH_SUPPORTS_MULTIKERNEL). x86-64 says so only
        at the end of the series, once every piece is in: until then the
        option cannot be enabled, and each step builds in any config.

        This patch adds what the rest of the series builds on: the uapi
        header (kexec flag, message device ioctls), <linux/multikernel.h>
        with the layout of the memory two kernels share, an ABI between
        kernels that may be built from different sources, and stubs so
        that hooks in generic code need no #ifdef; and the core's
        internal header.
        """),
    Area("pool", "multikernel: reserve a memory pool at boot", """
        An instance runs in memory the host must be able to give away
        whole: physically contiguous, and never seen by the page
        allocator. Like crashkernel=, multikernel_pool=SIZE[@OFFSET]
        reserves one range from memblock in setup_arch(), right after the
        crash kernel, when SRAT is known and the pool cannot land in
        hotpluggable memory. It shows in /proc/iomem and is handed out in
        2 MiB granules; memory given back is zeroed, so nothing one
        instance wrote reaches the next. The parser refuses overflow,
        trailing characters and misalignment with one boot message rather
        than reserve a surprising amount; KUnit feeds it hostile values.
        With @OFFSET the decompressor's KASLR keeps the kernel out of the
        range, as it does for memmap=.
        """),
    Area("loader", "multikernel: load kernels into instances with kexec_file_load()",
         """
        Loading a kernel into an instance needs what kexec already does:
        the LSM and IMA hooks, image probing, KEXEC_SIG verification and
        purgatory's digest check of every segment. Rather than a new
        system call with a copy of that pipeline, kexec_file_load() with
        KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID(id) hands the call to
        the multikernel core, which runs kimage_file_prepare_segments()
        on a kimage of the new type KEXEC_TYPE_MULTIKERNEL (the type field
        grows to two bits). kexec_walk_resources() offers only the
        instance's RAM to such images, and the segments are kept, so every
        start and restart begins from the same bytes. The kernel's payload
        is decompressed once, here, with the run-time zlib and zstd code
        (the boot decompressors are __init), so that no start spends time
        on it; other methods keep decompressing themselves. Nothing
        changes for kexec and kdump images.
        """, objects=["kernel/kexec_core.o", "kernel/kexec.o"]),
    Area("x86-start", "x86/multikernel: start instances with INIT-SIPI-SIPI", """
        A CPU leaves INIT in real mode and can only be started at a page
        below 1 MiB, so the host reserves a 64 KiB slot there for every
        instance, before its own real-mode trampoline takes the rest. To
        start an instance it copies a trampoline and an identity map into
        the slot and sends INIT-SIPI-SIPI to the instance's first CPU,
        which goes to long mode and enters the kernel the host laid out
        from the bzImage's ELF payload at load time, at startup_64 with
        %rsi = boot_params (or kexec purgatory for a kernel that
        decompresses itself). The trampoline stamps its TSC on entry, for
        the phases of a start. The boot_params
        the bzImage loader copied from the host are rewritten to describe
        only the instance (its RAM usable, the shared area reserved, no
        ACPI, EFI, EDD or video data) plus a SETUP_MULTIKERNEL setup_data,
        numbered outside the SETUP_* enumeration that mainline extends.
        INIT is also the kill switch: it resets a CPU whatever it does.
        """),
    Area("spawn", "x86/multikernel: run as a spawn on a guest platform", """
        A spawn boots the same bzImage as its host and must know early in
        setup_arch(), before ACPI or MP tables are read, that it does not
        own the machine. Its SETUP_MULTIKERNEL setup_data makes it register
        a guest platform, like a Jailhouse cell: CPUs and timer frequencies
        come from its host, and there is no ACPI, PIC, IOAPIC, PIT, HPET,
        RTC or legacy UART. Reboot, poweroff, halt and panic are reported
        to the host and park the CPUs instead of resetting the machine. The
        spawn's boot CPU is never the real BSP, so the topology code must
        not take it for a kdump kernel's.
        """),
    Area("mailbox", "multikernel: add a mailbox between host and spawns", """
        Once a spawn runs, the two kernels must talk: the spawn says it is
        ready and alive, the host asks it to shut down, user space on both
        sides exchanges data. Each instance's shared area holds two
        single-producer, single-consumer rings of records, and the doorbell
        is an IPI to one physical APIC id: no device or hypervisor needed.
        A producer skips the doorbell while the consumer drains, and the
        doorbell interrupt handles a bounded number of records itself, so
        a round trip costs two interrupts and no context switch. The
        peer's data is not trusted: a bad index, length, type or sequence
        number is -EPROTO, never an access outside the ring. /dev/mk-*
        carry user messages without needing a network stack.
        """),
    Area("handover", "multikernel: describe instances to spawns in an FDT", """
        A spawn must learn what it owns (CPUs with their APIC ids, memory,
        the shared area, devices) and how to reach its host before it
        touches any hardware. The host builds one FDT per start, modelled
        on mainline KHO's and versioned in its compatible string, in the
        shared area where the spawn's setup_data points. Other subsystems
        add their own nodes with mk_handover_register(). The spawn parses
        the blob as untrusted input: every property's length and range is
        checked, and another major version makes it refuse to boot rather
        than guess. The FDT of the last start stays readable for dtc.
        """),
    Area("instances", "multikernel: manage instances through sysfs", """
        This ties the pieces together. An instance owns a name and id,
        offline CPUs, RAM and a shared area from the pool, a low-memory
        slot and a loaded kernel, and moves from empty to running and on to
        stopped or crashed, with a sysfs_notify() at each step. Root drives
        it through /sys/kernel/multikernel/; bad input gets a precise errno
        and leaves nothing behind. The host refuses to online a CPU an
        instance owns, since onlining sends INIT to another kernel, gives
        CPUs back only after INIT, stops using IPI shorthands once it has a
        pool, and resets a spawn that misses its heartbeats or breaks the
        protocol, without waiting for an operator. Every start is
        stamped with the TSC by both kernels, and stats shows its phases
        once the stamps are checked to be in order.
        """),
    Area("console", "multikernel: give spawns a console the host can read", """
        A spawn has no serial port of its own, and its last words matter
        most when it crashes. From its first printk it writes into a ring
        in the shared area, through an early boot console and then hvc0,
        and the host shows the newest 64 KiB as instances/NAME/console,
        kept after a stop or crash. Input for hvc0 comes as mailbox
        messages, so mkctl can offer an interactive console. Each side
        reduces indexes modulo its own idea of the ring size: a corrupt
        head garbles text, nothing more. KUnit covers the ring, the
        handover FDT with hostile blobs, and the create parser.
        """),
    Area("devices", "multikernel: hand PCI functions and legacy UARTs over", """
        A spawn that only computes is of limited use; it needs its own
        disk or NIC. The host unbinds the function's driver, keeps any
        driver from binding, resets it and lists it in the handover FDT;
        the spawn reaches its functions only through ECAM and answers "no
        device" for all others. When the instance halts the function is
        reset again, ending DMA into memory about to be reused, and the
        host's driver binds again. A device the host uses is refused. A
        legacy UART is handed over polled, so no interrupt routing is
        needed; serial8250_get_port() is declared for that.
        """, objects=["drivers/tty/serial/8250/8250_core.o",
                      "drivers/tty/serial/8250/8250_port.o"]),
    Area("vringh", "vringh: refuse an available index that moved past the ring size",
         """
        The driver can claim more new buffers than the ring holds. vhost
        refuses that ("Guest moved avail index"); vringh did not, and took
        the stale ring entries behind the index for new buffers, handing
        the same descriptors out again. Refuse it like vhost does: the
        caller sees -EINVAL, as for a head out of range. The multikernel
        virtio backends, next, read rings another kernel writes.
        """, objects=["drivers/vhost/vringh.o"]),
    Area("vringh_multi", "vringh: complete several used buffers at once through an IOTLB",
         """
        The user flavour has vringh_complete_multi_user(); the IOTLB flavour
        could only publish one used element at a time. A virtio-net device
        that fills mergeable receive buffers must publish all the buffers of
        a packet together: the driver reads their count from the first and
        expects the others to be in the used ring already. Export
        vringh_complete_multi_iotlb(), on the same __vringh_complete() the
        other flavours use. The multikernel virtio-net backend, next, fills
        mergeable buffers.
        """, objects=["drivers/vhost/vringh.o"]),
    Area("virtio", "multikernel: serve spawns virtio NICs over shared memory", """
        A spawn without a spare PCI function has no network at all. The
        host now serves it virtio devices over shared memory, and the
        spawn's stock virtio_net binds to them through a small transport:
        a control block per device in the shared area for negotiation,
        status and queue setup (requests the host acknowledges), and
        per-queue pending bits plus a mailbox poke for kicks and
        interrupts, so a burst costs one doorbell. Every ring and buffer
        lies in a per-instance I/O window of pool memory, which the spawn
        reaches through a restricted DMA pool; the host reads the rings
        with vringh through an IOTLB that maps only that window, so a
        spawn's bad ring can only make its own device NEEDS_RESET. On the
        host each NIC is a plain netdev, mk-NAME. swiotlb learns to set up
        a restricted pool that no device tree describes.
        """, objects=["kernel/dma/swiotlb.o"]),
    Area("vsock", "multikernel: AF_VSOCK between the host and its spawns", """
        Agents and services in a spawn want the conventional host-guest
        channel, not a private message device. An instance created with
        "vsock" gets a virtio vsock device that the spawn's stock
        virtio_transport binds to, and the host becomes a host-to-guest
        vsock transport built on virtio_transport_common, as vhost-vsock
        is: host programs connect() to the spawn's CID (its instance id
        plus 2), the spawn's to CID 2. Packets move between the socket
        layer and the spawn's rings through the same I/O window and
        vringh rules as the NICs; a packet not from the spawn's CID, or
        whose header does not fit its buffer, makes the device
        NEEDS_RESET. When the spawn goes away the host's sockets to it
        are reset. The transport is registered only while an instance
        has such a device, so vhost_vsock still loads otherwise.
        """),
    Area("vblk", "multikernel: serve spawns virtio disks from host files", """
        A spawn that should run an ordinary distribution needs a disk the
        host keeps, as every VM user has. An instance created with
        "disk=PATH[,ro]" gets a virtio-blk device that the spawn's stock
        virtio_blk binds to, served from a regular file or a block device
        the host opens at create: requests are read with vringh through
        the same I/O-window IOTLB as the NICs, their data buffers handed
        as window pages to the file's read_iter/write_iter (no bounce
        buffer), FLUSH is vfs_fsync(), DISCARD and WRITE_ZEROES are
        fallocate(), and each spawn CPU gets a queue served by a work item
        of its own. A malformed request makes the device NEEDS_RESET; an
        out-of-range or read-only write is VIRTIO_BLK_S_IOERR. Read-only
        images may be shared; a read-write one has one owner, a block
        device is claimed exclusively and a regular file open for writing
        elsewhere is refused with EBUSY.
        """),
    Area("debugfs", "multikernel: add debugfs hooks for tests and benchmarks", """
        Some things the tests must check have no place in an ABI: that a
        spawn's memory is really cleared after destroy, how the mailbox
        compares with a same-kernel IPI, and how the host copes with a peer
        that hangs with interrupts off, scribbles over a ring or stops
        reading. /sys/kernel/debug/multikernel/ offers that to root: scan
        and bench on a host, hang, scribble and rx_pause in a spawn. They
        let root hang a spawn and read its memory, so they are built only
        with CONFIG_MULTIKERNEL_TEST_HOOKS, which is off by default.
        """),
    Area("enable", "x86/multikernel: allow CONFIG_MULTIKERNEL on x86-64", """
        Every piece is in now: the pool, the loader, starting instances,
        the spawn platform, the mailbox, the handover FDT, instances and
        their sysfs interface, the console and device handover. They call
        each other (instances use all of them), so the option is offered
        only now; before this patch no configuration could enable it, and
        each step of the series built and linked. A spawn registers as a
        guest platform, hence HYPERVISOR_GUEST; the start trampoline and
        the spawn platform are 64-bit only.
        """),
    Area("docs", "Documentation: multikernel: add a guide and the sysfs ABI", """
        Operators need to know how to size the pool and what each state
        means, and anyone writing another end of the mailbox or the
        handover FDT needs the protocol, not the code. Describe the boot
        flow, the shared area, the mailbox protocol with its ordering
        rules, the FDT schema, device handover and what a driver needs for
        it, the tests and the limitations, and every sysfs file in the
        ABI format. Link the guide from the top-level index.
        """),
    Area("mkctl", "tools/multikernel: add mkctl", """
        Driving instances by hand means offlining CPUs, writing create
        lines, calling kexec_file_load() with the right flags and polling
        state files. mkctl does that in one command per operation (run
        does create, load and start), prints lists and status as text or
        JSON, reads the console, sends and receives messages, measures
        round trips and attaches to a spawn's hvc0. MKCTL_SYSFS and friends
        point it at fake trees, so its own tests run without a kernel.
        """),
    Area("selftests", "selftests/multikernel: add tests and a QEMU runner", """
        The interesting failures need real spawns: CPUs that do not come
        back, memory that is not cleared, a spawn that panics, hangs with
        interrupts off or corrupts the ring. The tests boot real spawns
        inside a QEMU host: lifecycle, kill and restart cycles, memory
        zeroing, every refused input with its errno, 100 000 mailbox
        messages, crash and hang detection, device handover and return,
        and plain kexec beside a loaded instance. run_vm.sh boots such a
        host with the initramfs the tests need. They are in the selftests
        TARGETS; on a machine without a multikernel pool or the spawn's
        kernel and initramfs the tests that start spawns skip.
        """),
]

# The one table: where every file, hunk and staged symbol goes.
#   (area, path glob)                    overlay files, or every hunk of an
#                                        existing file that patches/ changes
#   (area, path glob, "re:REGEX")        hunks whose added or removed lines
#                                        match REGEX
#   (area, path glob, "config:SYMBOL")   the config entry SYMBOL in a staged
#                                        Kconfig (the file's area otherwise)
# The first rule that matches wins. Keep globs narrow: a new file must make
# its author decide where it goes.
RULES = [
    # an independent x86 fix
    ("la57", "arch/x86/kernel/cpu/common.c"),
    # uapi, core headers, Kconfig
    ("base", "include/uapi/linux/multikernel.h"),
    ("base", "include/linux/multikernel.h"),
    ("base", "kernel/multikernel/internal.h"),
    ("base", "kernel/multikernel/Kconfig"),
    ("base", "kernel/Kconfig.kexec"),
    # pool
    ("pool", "kernel/multikernel/Kconfig", "config:MULTIKERNEL_KUNIT_TEST"),
    ("pool", "kernel/multikernel/Makefile"),
    ("pool", "kernel/Makefile"),
    ("pool", "kernel/multikernel/pool.c"),
    ("pool", "kernel/multikernel/pool_param.c"),
    ("pool", "kernel/multikernel/pool_test.c"),
    ("x86-start", "arch/x86/kernel/setup.c",
     "re:multikernel_reserve_low_memory"),
    ("pool", "arch/x86/kernel/setup.c"),
    ("pool", "arch/x86/boot/compressed/kaslr.c"),
    # loader
    ("loader", "kernel/multikernel/loader.c"),
    ("loader", "kernel/multikernel/decompress.c"),
    ("loader", "kernel/multikernel/decompress_test.c"),
    ("loader", "kernel/multikernel/elf_layout.c"),
    ("loader", "kernel/multikernel/elf_layout_test.c"),
    ("x86-start", "arch/x86/kernel/multikernel/prepare.c"),
    ("x86-start", "arch/x86/kernel/multikernel/prepare.h"),
    ("x86-start", "arch/x86/kernel/multikernel/prepare_test.c"),
    ("loader", "include/linux/kexec.h"),
    ("loader", "kernel/kexec_internal.h"),
    ("loader", "kernel/kexec_core.c"),
    ("loader", "kernel/kexec_file.c"),
    # x86 start
    ("x86-start", "arch/x86/kernel/Makefile"),
    ("x86-start", "arch/x86/kernel/multikernel/Makefile"),
    ("x86-start", "arch/x86/kernel/multikernel/trampoline.h"),
    ("x86-start", "arch/x86/kernel/multikernel/trampoline_64.S"),
    ("x86-start", "arch/x86/kernel/multikernel/start.c"),
    ("x86-start", "arch/x86/kernel/multikernel/boot_params.c"),
    ("x86-start", "arch/x86/kernel/kexec-bzimage64.c"),
    ("x86-start", "arch/x86/include/uapi/asm/setup_data.h"),
    # spawn platform
    ("spawn", "kernel/multikernel/spawn.c"),
    ("spawn", "arch/x86/kernel/multikernel/spawn.c"),
    ("spawn", "arch/x86/include/asm/hypervisor.h"),
    ("spawn", "arch/x86/kernel/cpu/hypervisor.c"),
    ("spawn", "arch/x86/kernel/cpu/topology.c"),
    ("spawn", "tools/objtool/noreturns.h"),
    # mailbox
    ("mailbox", "kernel/multikernel/ring.c"),
    ("mailbox", "kernel/multikernel/ring_test.c"),
    ("mailbox", "kernel/multikernel/mailbox.c"),
    ("mailbox", "kernel/multikernel/mailbox_test.c"),
    ("mailbox", "kernel/multikernel/msgdev.c"),
    # handover FDT
    ("handover", "kernel/multikernel/handover.c"),
    # instances and sysfs
    ("instances", "kernel/multikernel/cpu.c"),
    ("instances", "kernel/multikernel/create_parse.c"),
    ("instances", "kernel/multikernel/instance.c"),
    ("instances", "kernel/multikernel/image.c"),
    ("instances", "kernel/multikernel/sysfs.c"),
    ("instances", "kernel/multikernel/boot_phases.c"),
    ("instances", "kernel/multikernel/boot_phases_test.c"),
    ("instances", "arch/x86/kernel/apic/ipi.c"),
    # console
    ("console", "kernel/multikernel/Kconfig", "config:HVC_MULTIKERNEL"),
    ("console", "kernel/multikernel/console.c"),
    ("console", "kernel/multikernel/spawn_test.c"),
    ("console", "drivers/tty/hvc/hvc_multikernel.c"),
    ("console", "drivers/tty/hvc/Makefile"),
    # device handover
    ("devices", "kernel/multikernel/device*.c"),
    ("devices", "arch/x86/kernel/multikernel/pci.c"),
    ("devices", "include/linux/serial_8250.h"),
    ("devices", "drivers/tty/serial/8250/8250.h"),
    # virtio over shared memory
    ("base", "include/linux/multikernel_virtio.h"),
    ("virtio", "kernel/multikernel/Kconfig", "config:MULTIKERNEL_VIRTIO"),
    ("virtio", "kernel/multikernel/virtio_*.c"),
    ("virtio", "kernel/multikernel/vnet_host.c"),
    ("vsock", "kernel/multikernel/Kconfig", "config:MULTIKERNEL_VSOCK"),
    ("vsock", "kernel/multikernel/vsock_host.c"),
    ("vblk", "kernel/multikernel/Kconfig", "config:MULTIKERNEL_VIRTIO_BLK"),
    ("vblk", "kernel/multikernel/vblk_host.c"),
    ("virtio", "drivers/virtio/virtio_multikernel.c"),
    ("virtio", "drivers/virtio/Makefile"),
    ("vringh_multi", "drivers/vhost/vringh.c", "re:complete_multi_iotlb"),
    ("vringh_multi", "include/linux/vringh.h"),
    ("vringh", "drivers/vhost/vringh.c"),
    ("virtio", "kernel/dma/swiotlb.c"),
    ("virtio", "include/linux/swiotlb.h"),
    # test hooks
    ("debugfs", "kernel/multikernel/Kconfig", "config:MULTIKERNEL_TEST_HOOKS"),
    ("debugfs", "kernel/multikernel/debugfs.c"),
    ("debugfs", "kernel/multikernel/debugfs_peer.c"),
    # the architecture opts in, once everything links
    ("enable", "arch/x86/Kconfig"),
    # documentation
    ("docs", "Documentation/multikernel.rst"),
    ("docs", "Documentation/ABI/testing/sysfs-kernel-multikernel"),
    ("docs", "Documentation/index.rst"),
    # user space
    ("mkctl", "tools/multikernel/*"),
    ("selftests", "tools/testing/selftests/multikernel/*"),
    ("selftests", "tools/testing/selftests/Makefile"),
]

# Overlay files that grow with the series, and how they are cut.
STAGED = {
    "kernel/multikernel/Makefile": "kbuild",
    "arch/x86/kernel/multikernel/Makefile": "kbuild",
    "kernel/multikernel/Kconfig": "kconfig",
}

# Until the patch that defines this symbol, CONFIG_MULTIKERNEL cannot be
# enabled (the pieces only link together). check-series.sh defines it in
# its own tree to compile-test the patches before.
GATE = ("arch/x86/Kconfig", "ARCH_SUPPORTS_MULTIKERNEL")

COVER_SUBJECT = "multikernel: run Linux kernels beside the host on offline CPUs"

COVER_BODY = """
This series lets a running kernel (the host) boot further, independent
Linux kernels (spawns) on CPUs it has taken offline and on memory it
reserved at boot, and live beside them: no hypervisor, no firmware pass,
no virtualisation overhead. A spawn runs the same bzImage, owns its CPUs
and memory outright and runs unmodified user space.

How it fits together:

- multikernel_pool=SIZE[@OFFSET] reserves one contiguous pool at boot,
  like crashkernel=; instances get RAM and a 2 MiB shared area from it,
  zeroed whenever it is given back.
- /sys/kernel/multikernel/ creates instances from offline CPUs and pool
  memory; the host refuses to online a CPU an instance owns.
- kexec_file_load() with KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID(id)
  loads a kernel into an instance, reusing the whole kexec_file
  pipeline (IMA, signature checks, purgatory digests).
- On x86 the host starts the instance with INIT-SIPI-SIPI through a
  trampoline in a low-memory slot; INIT is also the kill switch.
- The spawn finds a SETUP_MULTIKERNEL setup_data early and becomes a
  guest platform, like a Jailhouse cell: CPUs and timer frequencies
  from a KHO-style handover FDT, no ACPI, PIC, IOAPIC or legacy timers;
  poweroff, reboot and panic are reported instead of resetting the
  machine.
- A mailbox of two shared-memory rings with an IPI doorbell carries
  ready reports, heartbeats, graceful stop, panic reasons, console
  input and user messages (/dev/mk-*). Both kernels treat the shared
  memory as untrusted data; KUnit feeds them hostile rings and FDTs.
- PCI functions (ECAM only, MSI/MSI-X) and legacy UARTs can be handed
  over and are reset and returned when the instance stops.
- mkctl drives it all; kselftests boot real spawns inside QEMU.

A kernel built with CONFIG_MULTIKERNEL=y and booted without the pool
parameter reserves nothing, touches no CPU and keeps using IPI
shorthands. Edits to existing files are kept small: Kconfig and
Makefile hooks, two calls in setup_arch(), the kexec_file hooks, the
hypervisor list, and single lines in the topology and IPI code.

Numbers (QEMU TCG, 4 vCPUs on 2 host cores, a 1-CPU spawn with
256 MiB; functional, relative numbers, ranges over three runs):

@NUMBERS@

The series is cut so that each patch builds on its own: x86 lets
CONFIG_MULTIKERNEL be enabled only once every piece is in, since the
pieces call each other; before that the option cannot be set, and each
patch's objects compile when it is forced on.

Limitations: x86-64 only, four instances at most, instance memory stays
in the host's direct map, no IOMMU isolation of handed-over devices.
"""


def die(msg):
    sys.exit("mkseries: " + msg)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def git(*args, cwd=BASE, env=None, inp=None, capture=True):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run(["git", *args], cwd=cwd, env=e, input=inp,
                       capture_output=capture)
    if r.returncode:
        sys.stderr.write((r.stderr or b"").decode(errors="replace"))
        die("git %s failed" % " ".join(args[:3]))
    return (r.stdout or b"").decode(errors="replace")


# ---------------------------------------------------------------- rules

def area_index(name):
    for i, a in enumerate(AREAS):
        if a.name == name:
            return i
    die("RULES names an unknown area %r" % name)


def rule_for(path, changed=None, symbol=None):
    """Area index of the first rule matching; None when none does."""
    for r in RULES:
        area, glob = r[0], r[1]
        what = r[2] if len(r) > 2 else None
        if not fnmatch.fnmatchcase(path, glob):
            continue
        if what is None:
            if symbol is None:
                return area_index(area)
        elif what.startswith("re:"):
            if changed is not None and re.search(what[3:], changed,
                                                 re.M):
                return area_index(area)
        elif what.startswith("config:"):
            if symbol == what[7:]:
                return area_index(area)
        else:
            die("bad rule %r" % (r,))
    return None


# ------------------------------------------------------------- patches/

class Hunk:
    def __init__(self, patch, path, lines):
        self.patch, self.path, self.lines = patch, path, lines
        self.changed = "".join(l[1:] for l in lines[1:]
                               if l[:1] in "+-")
        self.area = None


def parse_quilt(name, text):
    """Return [(path, header_lines, [Hunk])] of a unified diff."""
    lines = text.splitlines(keepends=True)
    files = []
    i = 0
    while i < len(lines):
        if not (lines[i].startswith("--- ") and i + 1 < len(lines) and
                lines[i + 1].startswith("+++ ")):
            i += 1
            continue
        header = lines[i:i + 2]
        path = lines[i + 1][4:].split("\t")[0].strip()
        if path == "/dev/null":
            path = lines[i][4:].split("\t")[0].strip()
        path = path.split("/", 1)[1]
        i += 2
        hunks = []
        while i < len(lines) and lines[i].startswith("@@ "):
            m = re.match(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@", lines[i])
            if not m:
                die("patches/%s: bad hunk header %r" % (name, lines[i]))
            old = int(m.group(1) if m.group(1) is not None else 1)
            new = int(m.group(2) if m.group(2) is not None else 1)
            body = [lines[i]]
            i += 1
            while old > 0 or new > 0:
                if i >= len(lines):
                    die("patches/%s: truncated hunk in %s" % (name, path))
                l = lines[i]
                body.append(l)
                i += 1
                c = l[:1]
                if c == "\\":
                    continue
                if c in (" ", "\n"):
                    old -= 1
                    new -= 1
                elif c == "-":
                    old -= 1
                elif c == "+":
                    new -= 1
                else:
                    die("patches/%s: bad line in hunk of %s: %r"
                        % (name, path, l))
            while i < len(lines) and lines[i].startswith("\\"):
                body.append(lines[i])
                i += 1
            hunks.append(Hunk(name, path, body))
        files.append((path, header, hunks))
    return files


# -------------------------------------------------------- staged files

STMT_RE = re.compile(r"^([^\s#:+?=]+)\s*(:=|\+=|\?=|=)[ \t]*(.*)$", re.S)
OBJ_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.o$")
COND_OPEN = ("ifeq", "ifneq", "ifdef", "ifndef")


def kbuild_chunks(text):
    """Split a kbuild Makefile into blank, comment, cond and stmt chunks."""
    lines = text.splitlines(keepends=True)
    chunks = []
    i = 0
    while i < len(lines):
        l = lines[i]
        word = l.split()[0] if l.strip() else ""
        if not l.strip():
            chunks.append(("blank", [l]))
            i += 1
        elif l.startswith("#"):
            chunks.append(("comment", [l]))
            i += 1
        elif word in COND_OPEN or word in ("else", "endif"):
            chunks.append(("cond-" + ("open" if word in COND_OPEN else word),
                           [l]))
            i += 1
        else:
            stmt = [l]
            while stmt[-1].rstrip("\n").endswith("\\") and i + 1 < len(lines):
                i += 1
                stmt.append(lines[i])
            chunks.append(("stmt", stmt))
            i += 1
    return chunks


def stmt_parts(stmt):
    joined = " ".join(l.rstrip("\n").rstrip("\\").strip() for l in stmt)
    m = STMT_RE.match(joined)
    if not m:
        return None
    return m.group(1), m.group(2), m.group(3).split()


def refill(stmt, keep):
    """@stmt with only the tokens @keep wants, line structure kept."""
    first = re.match(r"^(.*?(?::=|\+=|\?=|=)[ \t]*)(.*)$",
                     stmt[0].rstrip("\n"))
    prefix = first.group(1)
    rows = [first.group(2)] + [l.rstrip("\n") for l in stmt[1:]]
    indent = re.match(r"^([ \t]*)", rows[1]).group(1) if len(rows) > 1 \
        else "\t"
    rows = [[t for t in r.rstrip("\\").split() if keep(t)] for r in rows]
    rows = [rows[0]] + [r for r in rows[1:] if r]
    if not rows[0] and len(rows) > 1:
        rows = [rows[1]] + rows[2:]
    out = [prefix + " ".join(rows[0])] + [indent + " ".join(r)
                                          for r in rows[1:]]
    return [l + " \\\n" for l in out[:-1]] + [out[-1] + "\n"]


def tidy(lines):
    """Collapse runs of blank lines, drop trailing ones."""
    out = []
    for l in lines:
        if not l.strip() and (not out or not out[-1].strip()):
            continue
        out.append(l)
    while out and not out[-1].strip():
        out.pop()
    return "".join(out).rstrip("\n") + "\n"


def render_kbuild(text, has_source):
    """@text with objects whose sources do not exist yet left out."""
    chunks = kbuild_chunks(text)
    comps = {}
    for kind, stmt in chunks:
        p = stmt_parts(stmt) if kind == "stmt" else None
        if p:
            m = re.match(r"^([\w-]+)-(?:y|objs|\$\(CONFIG_\w+\))$", p[0])
            if m:
                comps.setdefault(m.group(1), []).extend(
                    t for t in p[2] if OBJ_RE.match(t))

    def present(obj, seen=()):
        base = obj[:-2]
        if base in comps and base not in seen:
            return any(present(c, seen + (base,)) for c in comps[base])
        return has_source(base)

    known = set(comps)
    for kind, stmt in chunks:
        p = stmt_parts(stmt) if kind == "stmt" else None
        if p:
            known.update(t[:-2] for t in p[2] if OBJ_RE.match(t))

    keep = []  # (kind, lines or None when dropped)
    for kind, stmt in chunks:
        if kind != "stmt":
            keep.append((kind, stmt))
            continue
        p = stmt_parts(stmt)
        if not p:
            keep.append((kind, stmt))
            continue
        lhs, _, toks = p
        if lhs.endswith(".o"):
            # A per-object variable, like CFLAGS_foo.o.
            obj = next((lhs[i + 1:] for i, c in enumerate(lhs)
                        if c == "_" and lhs[i + 1:-2] in known), lhs)
            keep.append((kind, stmt if present(obj) else None))
            continue
        objs = [t for t in toks if OBJ_RE.match(t)]
        left = [t for t in toks if not OBJ_RE.match(t) or present(t)]
        if len(left) == len(toks):
            keep.append((kind, stmt))
        elif not [t for t in left if OBJ_RE.match(t)] and \
                len(objs) == len(toks):
            keep.append((kind, None))
        else:
            keep.append((kind, refill(
                stmt, lambda t: not OBJ_RE.match(t) or present(t))))

    # Drop conditionals left empty, then comments right above a drop.
    out = list(keep)
    changed = True
    while changed:
        changed = False
        for i, (kind, lines) in enumerate(out):
            if kind != "cond-open" or lines is None:
                continue
            depth, j = 0, i
            while j < len(out):
                if out[j][0] == "cond-open":
                    depth += 1
                elif out[j][0] == "cond-endif":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            inner = [c for c in out[i + 1:j] if c[0] == "stmt"]
            if inner and all(c[1] is None for c in inner):
                for k in range(i, j + 1):
                    out[k] = (out[k][0], None)
                changed = True
    for i in range(len(out) - 1, -1, -1):
        if out[i][1] is None:
            j = i - 1
            while j >= 0 and out[j][0] == "comment":
                out[j] = ("comment", None)
                j -= 1
    lines = [l for _, ls in out if ls is not None for l in ls]
    result = tidy(lines)
    return text if result == tidy(text.splitlines(keepends=True)) \
        else result


KCONFIG_TOP = re.compile(
    r"^(?:(?:menu)?config\s+(\w+)|menu\b|endmenu\b|if\b|endif\b|choice\b|"
    r"endchoice\b|comment\b|source\b)")
KCONFIG_REF = re.compile(r"^\s+(?:select|imply|depends on)\s+(\w+)\s*$")


def render_kconfig(text, sym_stage):
    """@text without the entries, selects and depends of later symbols."""
    lines = text.splitlines(keepends=True)
    out, drop = [], False
    for l in lines:
        m = KCONFIG_TOP.match(l)
        if m:
            drop = m.group(1) is not None and not sym_stage(m.group(1))
        if drop:
            continue
        r = KCONFIG_REF.match(l)
        if r and not sym_stage(r.group(1)):
            continue
        out.append(l)
    return text if len(out) == len(lines) else tidy(out)


# ------------------------------------------------------------- the model

class Series:
    def __init__(self):
        self.problems = []
        self.overlay = pt.overlay_files()
        self.file_area = {}
        for f in self.overlay:
            a = rule_for(f)
            if a is None:
                self.problems.append("overlay file %s: no rule in "
                                     "scripts/mkseries.py RULES" % f)
            self.file_area[f] = a
        self.quilt = []
        for name, text in pt.wanted_series():
            files = parse_quilt(name, text)
            if not files:
                self.problems.append("patches/%s: no hunks found" % name)
            for path, _, hunks in files:
                for n, h in enumerate(hunks, 1):
                    h.area = rule_for(path, changed=h.changed)
                    if h.area is None:
                        first = next((l.rstrip() for l in h.lines[1:]
                                      if l[:1] in "+-"), "")
                        self.problems.append(
                            "patches/%s: hunk %d of %s (%s | %s): no rule "
                            "in scripts/mkseries.py RULES"
                            % (name, n, path, h.lines[0].strip(), first))
            self.quilt.append((name, files))
        self.section = read(os.path.join(REPO, "MAINTAINERS"))
        self.f_area = {}
        for l in self.section.strip("\n").splitlines():
            if l.startswith("F:"):
                pat = l[2:].strip()
                hits = [self.file_area[f] for f in self.overlay
                        if self.file_area[f] is not None and
                        (f == pat or (pat.endswith("/") and
                                      f.startswith(pat)) or
                         fnmatch.fnmatchcase(f, pat))]
                if not hits:
                    self.problems.append("MAINTAINERS: %s matches no file "
                                         "of the overlay" % l.strip())
                self.f_area[l] = min(hits) if hits else 0
        for f, kind in STAGED.items():
            if f not in self.file_area:
                self.problems.append("STAGED names %s, which is not in the "
                                     "overlay" % f)
        if self.problems:
            die("cannot cut the series:\n  " + "\n  ".join(self.problems))
        self.quilt_paths = sorted({p for _, files in self.quilt
                                   for p, _, _ in files})

    def nonempty(self):
        used = set(a for a in self.file_area.values())
        used |= {h.area for _, files in self.quilt for _, _, hs in files
                 for h in hs}
        return [i for i in range(len(AREAS)) if i in used]

    def files_of(self, k):
        files = [f for f in self.overlay if self.file_area[f] == k]
        files += sorted({h.path for _, fs in self.quilt for _, _, hs in fs
                         for h in hs if h.area == k})
        return files

    def plan(self):
        """(patch number, kind, arg) checks for each patch."""
        out = []
        for n, k in enumerate(self.nonempty(), 1):
            objs, extra = [], []
            for f in self.files_of(k):
                # Boot code is no kbuild single target (it would get the
                # kernel's flags); the final tree's bzImage builds it.
                if f.startswith(("tools/", "Documentation/",
                                 "arch/x86/boot/")):
                    continue
                if f.endswith((".c", ".S")):
                    objs.append(f[:-2] + ".o")
                if f.startswith("include/uapi/") and f.endswith(".h"):
                    extra.append((n, "uapi", f[len("include/uapi/"):]))
            for f in self.files_of(k):
                if f.startswith("tools/multikernel/"):
                    extra.append((n, "mkctl", "tools/multikernel"))
                    break
            for f in self.files_of(k):
                if f.startswith("tools/testing/selftests/multikernel/"):
                    extra.append((n, "selftests",
                                  "tools/testing/selftests/multikernel"))
                    break
            for o in objs + AREAS[k].objects:
                out.append((n, "obj", o))
            out.extend(extra)
            if not objs and not extra and not AREAS[k].objects and \
                    k != self.gate_area():
                out.append((n, "none", "-"))
            if k < self.gate_area():
                out.append((n, "force", "%s %s" % (GATE[1], GATE[0])))
            elif k == self.gate_area():
                # Linking is tested by the build of the final tree: no
                # kernel file may change after this patch.
                out.append((n, "kernel-final", "-"))
        return out

    def gate_area(self):
        areas = [h.area for _, fs in self.quilt for p, _, hs in fs
                 for h in hs if p == GATE[0] and
                 re.search(r"^config %s$" % GATE[1], h.changed, re.M)]
        if len(areas) != 1:
            die("GATE: no single hunk adds config %s to %s"
                % (GATE[1], GATE[0]))
        return areas[0]

    # -- contents at stage k (the tree after the patch of area k)

    def sym_stage(self, path, k):
        base = self.file_area[path]

        def ok(sym):
            a = rule_for(path, symbol=sym)
            return (base if a is None else a) <= k
        return ok

    def overlay_stage(self, k):
        present = {f for f in self.overlay if self.file_area[f] <= k}
        out = {}
        for f in sorted(present):
            data = read(os.path.join(REPO, f), "rb")
            kind = STAGED.get(f)
            if kind == "kbuild":
                d = os.path.dirname(f)

                def has_source(base, d=d):
                    return any(os.path.join(d, base + ext) in present
                               for ext in (".c", ".S"))
                data = render_kbuild(data.decode(), has_source).encode()
            elif kind == "kconfig":
                data = render_kconfig(data.decode(),
                                      self.sym_stage(f, k)).encode()
            out[f] = data
        return out

    def quilt_stage(self, k, pristine):
        tmp = tempfile.mkdtemp(prefix="mkseries-")
        try:
            for p in self.quilt_paths:
                dst = os.path.join(tmp, p)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst, "wb") as f:
                    f.write(pristine[p])
            for name, files in self.quilt:
                text = ""
                for path, header, hunks in files:
                    sel = [h for h in hunks if h.area <= k]
                    if sel:
                        text += "".join(header) + "".join(
                            "".join(h.lines) for h in sel)
                if not text:
                    continue
                r = subprocess.run(
                    ["patch", "-p1", "--batch", "--forward",
                     "--no-backup-if-mismatch", "--quiet", "-d", tmp],
                    input=text.encode(), capture_output=True)
                if r.returncode:
                    sys.stderr.write(r.stdout.decode() + r.stderr.decode())
                    die("patches/%s does not apply with only the hunks of "
                        "areas up to %s: the hunks left out are needed as "
                        "context; change RULES" % (name, AREAS[k].name))
            return {p: read(os.path.join(tmp, p), "rb")
                    for p in self.quilt_paths}
        finally:
            shutil.rmtree(tmp)

    def maintainers_stage(self, k, pristine):
        lines = self.section.strip("\n").splitlines()
        fl = [l for l in lines if l.startswith("F:")]
        if not any(self.f_area[l] <= k for l in fl):
            return pristine
        sec = [l for l in lines if not l.startswith("F:") or
               self.f_area[l] <= k]
        return pt.maintainers_text(pristine.decode(),
                                   "\n".join(sec) + "\n").encode()

    def stage(self, k, pristine):
        files = self.overlay_stage(k)
        files.update(self.quilt_stage(k, pristine))
        files["MAINTAINERS"] = self.maintainers_stage(k,
                                                      pristine["MAINTAINERS"])
        return files


# ------------------------------------------------------------ git side

def base_stamp():
    st = os.stat(TARBALL)
    return "%s %d %d\n" % (TARBALL, st.st_size, int(st.st_mtime))


def ensure_base():
    """Commit the pristine tree once into build/series-base."""
    stamp = os.path.join(BASE, ".git", "mkseries-pristine")
    if os.path.exists(stamp) and read(stamp) == base_stamp():
        return
    print("mkseries: committing the pristine tree to %s (once)" % BASE)
    pt.extract(TARBALL, BASE)
    git("init", "-q")
    for k, v in (("core.autocrlf", "false"), ("gc.auto", "0"),
                 ("core.looseCompression", "1"), ("user.name", "mkseries"),
                 ("user.email", "mkseries@localhost")):
        git("config", k, v)
    git("add", "-A", "-f", ".")
    date = "@%d +0000" % int(os.stat(TARBALL).st_mtime)
    git("commit", "-q", "--no-verify", "-m",
        "Linux 6.12 (%s)" % os.path.basename(TARBALL),
        env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})
    git("tag", "-f", "pristine")
    with open(stamp, "w") as f:
        f.write(base_stamp())


def author():
    who = os.environ.get("SERIES_AUTHOR")
    if not who:
        for l in read(os.path.join(REPO, "MAINTAINERS")).splitlines():
            if l.startswith("M:"):
                who = l[2:].strip()
                break
    m = re.match(r"^(.+?)\s*<([^>]+)>$", who or "")
    if not m:
        die("no author: set SERIES_AUTHOR='Name <email>'")
    return m.group(1), m.group(2)


def series_date():
    r = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=REPO,
                       capture_output=True, text=True)
    if r.returncode == 0 and r.stdout.strip():
        return "@%s +0000" % r.stdout.strip()
    return "@%d +0000" % int(os.stat(TARBALL).st_mtime)


def readme_numbers():
    """The spawn-time and mailbox numbers of README.md, as plain text."""
    text = read(os.path.join(REPO, "README.md"))
    m = re.search(r"^## Numbers\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not m:
        die("README.md has no '## Numbers' section")
    sec = m.group(1)
    tables = re.findall(r"((?:^\|.*\|\n)+)", sec, re.M)
    rows = [r for r in tables[-1].splitlines()
            if not re.match(r"^\|[\s|:-]+\|$", r)]
    head = [c.strip() for c in rows[0].strip("|").split("|")]
    out = []
    for r in rows[1:]:
        cells = [c.strip().replace("`", "") for c in r.strip("|").split("|")]
        out.append("- " + cells[0] + ":")
        vals = ["%s %s" % (h, c) for h, c in zip(head[1:], cells[1:]) if c]
        out.append("    " + ", ".join(vals))
    after = sec[sec.index(tables[-1]) + len(tables[-1]):].strip()
    para = after.split("\n\n")[0].replace("`", "").replace("\n", " ")
    out.append("")
    out.extend(textwrap.wrap(para, 72))
    # Plain ASCII for mail.
    text = "\n".join(out)
    for u, a in (("\u2192", "->"), ("\u2013", "-"), ("\u2014", "-"),
                 ("\u00b5", "u"), ("\u00d7", "x"), ("\u2248", "~")):
        text = text.replace(u, a)
    return text


def check_message(area):
    for l in [area.subject] + area.body.splitlines():
        if len(l) > 75:
            die("area %s: changelog line longer than 75 columns: %r"
                % (area.name, l))


def generate(model):
    ensure_base()
    name, email = author()
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
           "GIT_AUTHOR_DATE": series_date(),
           "GIT_COMMITTER_DATE": series_date()}
    git("checkout", "-q", "-f", "-B", BRANCH, "pristine")
    git("clean", "-q", "-f", "-d", "-x")
    pristine = {p: git_blob(p) for p in model.quilt_paths + ["MAINTAINERS"]}
    current = dict(pristine)
    for n, k in enumerate(model.nonempty(), 1):
        area = AREAS[k]
        check_message(area)
        want = model.stage(k, pristine)
        changed = []
        for path in sorted(set(want) | set(current)):
            data = want.get(path)
            if data == current.get(path):
                continue
            dst = os.path.join(BASE, path)
            if data is None:
                os.unlink(dst)
            else:
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst, "wb") as f:
                    f.write(data)
                src = os.path.join(REPO, path)
                if path in model.file_area:
                    shutil.copymode(src, dst)
            changed.append(path)
        current = want
        if not changed:
            die("area %s changes nothing" % area.name)
        git("add", "-A", "-f", "--pathspec-from-file=-",
            "--pathspec-file-nul", inp="\0".join(changed).encode())
        msg = "%s\n\n%s\n\nSigned-off-by: %s <%s>\n" % (
            area.subject, area.body, name, email)
        git("commit", "-q", "--no-verify", "-F", "-", env=env,
            inp=msg.encode())
        print("mkseries: %2d %-10s %3d files  %s"
              % (n, area.name, len(changed), area.subject))
    # The last commit must leave exactly what prepare-tree.py makes.
    for f in model.overlay:
        if current[f] != read(os.path.join(REPO, f), "rb"):
            die("%s: the staged version after the last patch is not the "
                "overlay file" % f)

    numbers = readme_numbers()
    desc = COVER_SUBJECT + "\n" + COVER_BODY.replace("@NUMBERS@", numbers)
    git("config", "branch.%s.description" % BRANCH, desc)
    if os.path.exists(OUT):
        for f in os.listdir(OUT):
            if f.endswith(".patch"):
                os.unlink(os.path.join(OUT, f))
    os.makedirs(OUT, exist_ok=True)
    git("format-patch", "-q", "--cover-letter",
        "--cover-from-description=subject", "--no-signature", "-o", OUT,
        "pristine..%s" % BRANCH, env=env)
    files = sorted(f for f in os.listdir(OUT) if f.endswith(".patch"))
    print("mkseries: %d patches and a cover letter in %s"
          % (len(files) - 1, os.path.relpath(OUT, REPO)))


def git_blob(path):
    r = subprocess.run(["git", "show", "pristine:" + path], cwd=BASE,
                       capture_output=True)
    if r.returncode:
        die("%s is not in the pristine tree" % path)
    return r.stdout


def main():
    model = Series()
    if sys.argv[1:] == ["--plan"]:
        for n, kind, arg in model.plan():
            print(n, kind, arg)
        return
    if sys.argv[1:]:
        sys.exit(__doc__.split("\n\n")[1])
    os.makedirs(BUILD, exist_ok=True)
    if os.environ.get("MKSERIES_LOCKED"):
        generate(model)  # check-series.sh holds the lock
        return
    with open(os.path.join(BUILD, "series-base.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        generate(model)


if __name__ == "__main__":
    main()

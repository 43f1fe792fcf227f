/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel: boot further Linux kernels on CPUs and memory that the
 * running kernel has set aside, and live beside them.
 *
 * This header is the in-kernel API and the layout of the memory the host
 * and a spawn share. That layout is an ABI between two kernels that may
 * be built from different sources: change it only together with
 * MK_SHARED_VERSION. Callers in generic kernel code do not need
 * #ifdef CONFIG_MULTIKERNEL: every hook has a stub below.
 */
#ifndef _LINUX_MULTIKERNEL_H
#define _LINUX_MULTIKERNEL_H

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/multikernel_virtio.h>
#include <uapi/linux/multikernel.h>

struct boot_params;
struct kexec_buf;
struct kimage;
struct resource;

/*
 * The shared area: one 2 MiB granule of the pool per instance, outside
 * the spawn's RAM (its e820 marks it reserved). Offsets from its start:
 */
#define MK_SHARED_SIZE		SZ_2M
#define MK_SHARED_HEADER	0x00000	/* struct mk_shared_header */
#define MK_SHARED_HANDOVER	0x01000	/* the architecture's boot record */
#define MK_SHARED_FDT		0x01040	/* the handover FDT */
#define MK_SHARED_FDT_MAX	(MK_SHARED_CONSOLE - MK_SHARED_FDT)
#define MK_SHARED_CONSOLE	0x10000	/* struct mk_console_ring + data */
#define MK_CONSOLE_DATA_SIZE	SZ_64K
#define MK_SHARED_RING_H2S	0x40000	/* struct mk_ring: host to spawn */
#define MK_SHARED_RING_S2H	0x80000	/* struct mk_ring: spawn to host */
#define MK_RING_DATA_SIZE	(SZ_256K - sizeof(struct mk_ring))

#define MK_SHARED_MAGIC		0x4853424d	/* "MBSH" */
#define MK_SHARED_VERSION	2
#define MK_HEARTBEAT_MS		100
#define MK_PANIC_MSG_MAX	128
/* Most CPUs one spawn can be given. */
#define MK_SPAWN_MAX_CPUS	64

/* mk_shared_header.spawn_state: what the spawn says about itself. */
enum mk_spawn_state {
	MK_SPAWN_BOOTING	= 0,	/* cleared by the host before a start */
	MK_SPAWN_READY		= 1,	/* kernel booted, about to run /init */
	MK_SPAWN_HALTED		= 2,	/* orderly poweroff/reboot/halt, CPUs parked */
	MK_SPAWN_PANICKED	= 3,	/* panic; CPUs parked or spinning */
	MK_SPAWN_STATE_MAX	= MK_SPAWN_PANICKED,
};

/* mk_shared_header.exit_reason, and the host's own reasons. */
enum mk_exit_reason {
	MK_EXIT_NONE		= 0,
	MK_EXIT_POWEROFF	= 1,
	MK_EXIT_REBOOT		= 2,
	MK_EXIT_HALT		= 3,
	MK_EXIT_PANIC		= 4,
	MK_EXIT_SPAWN_MAX	= MK_EXIT_PANIC,
	/* Only ever set by the host: */
	MK_EXIT_KILLED,
	MK_EXIT_BOOT_TIMEOUT,
	MK_EXIT_PROTOCOL,
	MK_EXIT_HEARTBEAT,
	MK_EXIT_STOP_TIMEOUT,
	MK_EXIT_DOORBELL_FLOOD,
};

/**
 * enum mk_boot_stamp - the steps of a start a spawn stamps
 * @MK_STAMP_TRAMPOLINE: the boot CPU entered the host's start trampoline
 * @MK_STAMP_KERNEL: the spawn kernel found the handover (x86: platform
 *		detection in setup_arch(), after any decompression)
 * @MK_STAMP_READY: the kernel booted (the "ready" message)
 * @MK_STAMP_INIT: /init is about to run (system running)
 * @MK_BOOT_STAMPS: number of stamps
 */
enum mk_boot_stamp {
	MK_STAMP_TRAMPOLINE,
	MK_STAMP_KERNEL,
	MK_STAMP_READY,
	MK_STAMP_INIT,
	MK_BOOT_STAMPS,
};

/**
 * struct mk_shared_header - first page of the shared area
 * @magic:	%MK_SHARED_MAGIC, written by the host
 * @version:	%MK_SHARED_VERSION, written by the host
 * @spawn_state: an &enum mk_spawn_state, written by the spawn
 * @exit_reason: an &enum mk_exit_reason, written by the spawn before it
 *		sets @spawn_state to halted or panicked
 * @heartbeat:	incremented by the spawn every %MK_HEARTBEAT_MS; the host
 *		declares a spawn dead when it stops moving
 * @panic_msg:	the panic message, written by the spawn before it sets
 *		@spawn_state to panicked; not necessarily NUL-terminated
 * @cpu_beat:	one heartbeat per CPU, in the order of the handover FDT's
 *		CPU list: each online CPU of the spawn increments its own
 *		every %MK_HEARTBEAT_MS from a timer pinned to it; 0 while
 *		the CPU has not come up, %MK_CPU_BEAT_OFFLINE once the spawn
 *		took it down. The host declares the spawn dead when the beat
 *		of a CPU that is up stops moving.
 * @park_request: %MK_PARK_REQUEST once the host wants every CPU of the
 *		spawn parked; written by the host before its park NMIs
 * @cpu_parked:	%MK_CPU_PARKED once that CPU (same order as @cpu_beat)
 *		has left VMX/SVM operation and halts for good, where INIT
 *		resets it; written by the CPU itself
 * @boot_stamp:	the spawn's boot CPU's timestamp counter (x86: TSC) at
 *		each step of a start, indexed by &enum mk_boot_stamp; 0
 *		until that step. Zeroed by the host before each start.
 *
 * The host writes the header before each start; afterwards the spawn
 * only writes @exit_reason, then @spawn_state with release semantics,
 * and its beats, parked words and boot stamps. The host validates
 * everything it reads: a state or exit reason it does not know is a
 * protocol error, boot stamps out of order are not trusted.
 */
struct mk_shared_header {
	__le32 magic;
	__le32 version;
	__le32 spawn_state;
	__le32 exit_reason;
	__le64 heartbeat;
	char panic_msg[MK_PANIC_MSG_MAX];
	__le64 cpu_beat[MK_SPAWN_MAX_CPUS];
	__le32 park_request;
	__le32 cpu_parked[MK_SPAWN_MAX_CPUS];
	__le64 boot_stamp[MK_BOOT_STAMPS];
};

/* mk_shared_header.cpu_beat of a CPU the spawn took offline itself. */
#define MK_CPU_BEAT_OFFLINE	U64_MAX
#define MK_PARK_REQUEST		0x4b524150	/* "PARK" */
#define MK_CPU_PARKED		0x444b5250	/* "PRKD" */

/**
 * struct mk_setup_data - payload of the %SETUP_MULTIKERNEL setup_data
 * @fdt_addr:	physical address of the handover FDT
 * @fdt_size:	its size in bytes
 *
 * Modelled on mainline KHO's setup_data: the FDT says everything else.
 */
struct mk_setup_data {
	__le64 fdt_addr;
	__le64 fdt_size;
};

/**
 * struct mk_console_ring - the spawn's console output, readable by the host
 * @magic:	%MK_CONSOLE_MAGIC, written by the host
 * @size:	bytes in @data, written by the host (%MK_CONSOLE_DATA_SIZE)
 * @head:	bytes ever written; byte n lives at data[n % size]. Written
 *		by the spawn with release semantics after the data.
 * @data:	the ring
 *
 * Single producer (the spawn), lossy: old output is overwritten. Survives
 * a crash of the spawn; the host resets it at the next start.
 */
struct mk_console_ring {
	__le32 magic;
	__le32 size;
	__le64 head;
	u8 data[];
};

#define MK_CONSOLE_MAGIC	0x4e4f434d	/* "MCON" */

/**
 * struct mk_ring - one direction of the mailbox: a single-producer,
 * single-consumer ring of variable-length records
 * @head:	bytes ever produced; written by the producer, with release
 *		semantics after the record
 * @doorbells:	doorbell IPIs the producer sent for this ring; written by
 *		the producer before each one, so that the consumer (which
 *		cannot tell who sent an IPI) can bound their rate per peer
 * @pad0:	keeps producer and consumer fields on separate cache lines
 * @tail:	bytes ever consumed; written by the consumer
 * @draining:	non-zero while the consumer is draining: the producer then
 *		skips the doorbell, so a burst costs one interrupt
 * @pad1:	rest of the consumer's cache line
 * @data:	%MK_RING_DATA_SIZE bytes of records
 *
 * A record is a &struct mk_msg_hdr and its payload, padded to
 * %MK_MSG_ALIGN, at data[n % size]. Records never wrap: if fewer than
 * sizeof(struct mk_msg_hdr) bytes are left before the end, the next
 * record starts at data[0]; otherwise the producer fills the rest with a
 * %MK_MSG_PAD record. Each side keeps its own head/tail copy and ring
 * size, and validates everything it reads from the other.
 */
struct mk_ring {
	__le64 head;
	__le64 doorbells;
	u8 pad0[48];
	__le64 tail;
	__le32 draining;
	u8 pad1[52];
	u8 data[];
};

/**
 * struct mk_msg_hdr - header of a mailbox record
 * @type:	an &enum mk_msg_type
 * @flags:	zero
 * @len:	payload bytes that follow, at most %MK_MSG_MAX_PAYLOAD
 * @seq:	0, 1, 2... per direction and start; PAD records take none
 */
struct mk_msg_hdr {
	__le16 type;
	__le16 flags;
	__le32 len;
	__le64 seq;
};

#define MK_MSG_ALIGN		8
#define MK_MSG_MAX_PAYLOAD	MULTIKERNEL_MSG_MAX

/* Record types. The payload of each is documented at the type. */
enum mk_msg_type {
	MK_MSG_PAD		= 0,	/* filler up to the end of the ring */
	MK_MSG_READY		= 1,	/* s2h: le32 stage (enum mk_ready_stage) */
	MK_MSG_SHUTDOWN		= 2,	/* h2s: orderly poweroff, no payload */
	MK_MSG_HALTED		= 3,	/* s2h: le32 enum mk_exit_reason */
	MK_MSG_PANIC		= 4,	/* s2h: panic message text */
	MK_MSG_PING		= 5,	/* either way: opaque, echoed as PONG */
	MK_MSG_PONG		= 6,	/* the PING's payload */
	MK_MSG_USER		= 7,	/* user-space data, /dev/mk-* */
	MK_MSG_DISCARD		= 8,	/* test data: counted and dropped */
	MK_MSG_CONSOLE		= 9,	/* h2s: input for the spawn's hvc0 */
	MK_MSG_VIRTIO		= 10,	/* either way: struct mk_virtio_poke */
	MK_MSG_TYPE_MAX
};

enum mk_ready_stage {
	MK_READY_KERNEL		= 1,	/* all built-in drivers are up */
	MK_READY_INIT		= 2,	/* the kernel is running /init */
};

/* Most devices one spawn can be given. */
#define MK_MAX_DEVICES		4
/* BARs of a PCI function (PCI_STD_NUM_BARS). */
#define MK_PCI_MAX_BARS		6

/* struct mk_pci_bar.flags */
#define MK_PCI_BAR_IO		0x1	/* I/O ports, not memory */
#define MK_PCI_BAR_64		0x2	/* a 64-bit memory BAR */
#define MK_PCI_BAR_PREFETCH	0x4	/* prefetchable memory */

/**
 * struct mk_pci_bar - one BAR of a PCI function handed over
 * @index:	BAR number, 0..5
 * @flags:	MK_PCI_BAR_*
 * @start:	bus address the host's firmware assigned
 * @size:	bytes
 */
struct mk_pci_bar {
	u32 index;
	u32 flags;
	u64 start;
	u64 size;
};

/**
 * struct mk_uart_handover - a legacy 16550 UART a spawn owns, polled
 * @io_port:	its first I/O port (0x3f8, 0x2f8, 0x3e8 or 0x2e8)
 * @clock:	its input clock in Hz
 */
struct mk_uart_handover {
	u32 io_port;
	u32 clock;
};

/**
 * struct mk_pci_handover - a PCI function a spawn owns
 * @segment:	PCI segment (domain)
 * @bus:	bus number
 * @devfn:	device and function, as PCI_DEVFN()
 * @ecam_base:	physical address of the segment's ECAM space for bus 0;
 *		the function's config space is at @ecam_base + (@bus << 20)
 *		+ (@devfn << 12)
 * @nr_bars:	entries in @bars: the BARs the function decodes
 * @bars:	as the host left them
 */
struct mk_pci_handover {
	u16 segment;
	u8 bus;
	u8 devfn;
	u64 ecam_base;
	u32 nr_bars;
	struct mk_pci_bar bars[MK_PCI_MAX_BARS];
};

/**
 * struct mk_spawn_info - what a spawn learnt from its handover FDT
 * @id:		instance id given by the host
 * @name:	instance name
 * @nr_cpus:	entries in @apic_ids
 * @apic_ids:	physical APIC ids of its CPUs; the first is the boot CPU
 * @mem_base:	physical start of its RAM
 * @mem_size:	bytes of RAM
 * @shared_base: physical start of the shared area
 * @shared_size: bytes of the shared area
 * @tsc_khz:	TSC frequency measured by the host
 * @lapic_khz:	local APIC timer frequency measured by the host
 * @realtime_ns: the host's CLOCK_REALTIME when it started the spawn
 * @host_doorbell: where the spawn rings the host's mailbox doorbell
 * @nr_pci:	entries in @pci
 * @pci:	the PCI functions the spawn owns
 * @nr_uart:	entries in @uart
 * @uart:	the legacy UARTs the spawn owns
 * @nr_unknown_devices: device nodes of kinds this kernel does not know,
 *		left alone
 * @iowin_base:	physical start of the I/O window, 0 without one
 * @iowin_size:	its bytes
 * @nr_virtio:	entries in @virtio
 * @virtio:	the virtio devices the host serves over shared memory
 */
struct mk_spawn_info {
	u32 id;
	char name[MULTIKERNEL_NAME_MAX + 1];
	u32 nr_cpus;
	u32 apic_ids[MK_SPAWN_MAX_CPUS];
	u64 mem_base;
	u64 mem_size;
	u64 shared_base;
	u64 shared_size;
	u32 tsc_khz;
	u32 lapic_khz;
	u64 realtime_ns;
	u32 host_doorbell;
	u32 nr_pci;
	struct mk_pci_handover pci[MK_MAX_DEVICES];
	u32 nr_uart;
	struct mk_uart_handover uart[MK_MAX_DEVICES];
	u32 nr_unknown_devices;
	u64 iowin_base;
	u64 iowin_size;
	u32 nr_virtio;
	struct mk_virtio_handover virtio[MK_VIRTIO_MAX_DEVICES];
};

int mk_handover_parse(const void *fdt, size_t size, struct mk_spawn_info *info,
		      const char **why);
int mk_shared_header_check(const struct mk_shared_header *hdr,
			   const char **why);

#ifdef CONFIG_MULTIKERNEL

void __init multikernel_reserve_pool(void);
void __init multikernel_reserve_low_memory(void);

phys_addr_t mk_memory_alloc(u64 size);
void mk_memory_free(phys_addr_t base, u64 size);
u64 mk_memory_total(void);
u64 mk_memory_available(void);

int multikernel_kexec_file_load(int kernel_fd, int initrd_fd,
				unsigned long cmdline_len,
				const char __user *cmdline_ptr,
				unsigned long flags);
int multikernel_kexec_walk_mem(struct kexec_buf *kbuf,
			       int (*func)(struct resource *, void *));
int multikernel_setup_boot_params(struct kimage *image,
				  struct boot_params *params);
bool multikernel_no_ipi_shorthand(void);

void mk_console_ring_write(struct mk_console_ring *ring, const char *buf,
			   size_t len);

void mk_spawn_console_write(const char *buf, size_t len);
void __init mk_spawn_console_early(struct mk_console_ring *ring);
void __init mk_spawn_init(const struct mk_spawn_info *info);
void mk_spawn_report(enum mk_spawn_state state, enum mk_exit_reason reason);

struct mk_channel;
typedef void (*mk_msg_handler_t)(struct mk_channel *ch, u16 type,
				 const void *payload, u32 len);
int mk_msg_register_handler(enum mk_msg_type type, mk_msg_handler_t handler);
int mk_channel_send(struct mk_channel *ch, enum mk_msg_type type,
		    const void *buf, u32 len);
struct mk_channel *mk_spawn_channel(void);
struct mk_virtio_ctrl *mk_spawn_virtio_ctrl(unsigned int index);
#if IS_ENABLED(CONFIG_MULTIKERNEL_VIRTIO) && IS_ENABLED(CONFIG_MULTIKERNEL_TEST_HOOKS)
int mk_virtio_test_break(unsigned int device, unsigned int queue,
			 const char *how);
#else
static inline int mk_virtio_test_break(unsigned int device, unsigned int queue,
				       const char *how)
{
	return -ENODEV;
}
#endif

/* Set by the spawn platform when this kernel was started as a spawn. */
extern const struct mk_spawn_info *multikernel_spawn;

static inline bool multikernel_is_spawn(void)
{
	return multikernel_spawn;
}

#else /* !CONFIG_MULTIKERNEL */

static inline bool multikernel_is_spawn(void) { return false; }

static inline void multikernel_reserve_pool(void) { }
static inline void multikernel_reserve_low_memory(void) { }
static inline bool multikernel_no_ipi_shorthand(void) { return false; }

static inline int multikernel_kexec_file_load(int kernel_fd, int initrd_fd,
					      unsigned long cmdline_len,
					      const char __user *cmdline_ptr,
					      unsigned long flags)
{
	return -EINVAL;
}

static inline int multikernel_kexec_walk_mem(struct kexec_buf *kbuf,
					     int (*func)(struct resource *, void *))
{
	return -EINVAL;
}

static inline int multikernel_setup_boot_params(struct kimage *image,
						struct boot_params *params)
{
	return -EINVAL;
}

#endif /* CONFIG_MULTIKERNEL */

#endif /* _LINUX_MULTIKERNEL_H */

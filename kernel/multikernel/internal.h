/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel core: declarations shared by the files of kernel/multikernel/.
 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/if_ether.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/multikernel.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vringh.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

struct kimage;
struct mk_instance;
struct pci_dev;
struct seq_file;

/*
 * Pool memory is handed out in 2 MiB granules: large enough to map an
 * instance with large pages and to keep the allocator bitmap tiny.
 */
#define MK_POOL_GRANULE		SZ_2M

/* Lowest physical address an automatically placed pool may start at. */
#define MK_POOL_MIN_ADDR	SZ_16M

/**
 * struct mk_pool_param - a parsed multikernel_pool= boot parameter
 * @size:	bytes to reserve, a non-zero multiple of %MK_POOL_GRANULE
 * @base:	physical start address, only meaningful when @fixed_base
 * @fixed_base:	true when the parameter named an @OFFSET
 */
struct mk_pool_param {
	u64 size;
	u64 base;
	bool fixed_base;
};

int mk_parse_size(const char **pos, u64 *val);
int mk_pool_param_parse(const char *arg, struct mk_pool_param *param,
			const char **why);

/**
 * struct mk_pool - bookkeeping for one contiguous range of physical memory
 * @chunks:	allocator over [@base, @base + @size), in %MK_POOL_GRANULE units
 * @base:	first physical address of the range
 * @size:	length of the range in bytes
 *
 * Only the bookkeeping: a pool never touches the memory it manages.
 * The allocator is lock-free, so callers need no lock of their own.
 */
struct mk_pool {
	struct gen_pool *chunks;
	phys_addr_t base;
	u64 size;
};

int mk_pool_init(struct mk_pool *pool, phys_addr_t base, u64 size);
void mk_pool_destroy(struct mk_pool *pool);
phys_addr_t mk_pool_alloc(struct mk_pool *pool, u64 size);
void mk_pool_release(struct mk_pool *pool, phys_addr_t base, u64 size);
u64 mk_pool_avail(struct mk_pool *pool);

bool mk_pool_reserved(void);
phys_addr_t mk_memory_base(void);
bool __init mk_pool_requested(void);

/* Most instances at once: each needs one low-memory slot. */
#define MK_MAX_INSTANCES	4

/**
 * struct mk_pci_addr - where a PCI function is
 * @segment:	segment (domain)
 * @bus:	bus number
 * @devfn:	device and function, as PCI_DEVFN()
 */
struct mk_pci_addr {
	u16 segment;
	u8 bus;
	u8 devfn;
};

/* What kind of device an instance is given. */
enum mk_device_kind {
	MK_DEV_PCI,
	MK_DEV_UART,
};

/**
 * struct mk_device_addr - a device named in a create line
 * @kind:	PCI function or legacy UART
 * @pci:	for %MK_DEV_PCI, its address
 * @uart_line:	for %MK_DEV_UART, N of ttySN
 */
struct mk_device_addr {
	enum mk_device_kind kind;
	struct mk_pci_addr pci;
	unsigned int uart_line;
};

/*
 * The I/O window: every virtqueue and buffer of an instance's virtio
 * devices. The default fits a NIC's rings and a few hundred packets in
 * flight; the maximum keeps a typo from eating the pool.
 */
#define MK_IOWIN_DEFAULT	SZ_8M
#define MK_IOWIN_MAX		SZ_256M

/*
 * The MTU of an instance's virtio NICs (mtu=): both ends start with it
 * and neither may go above it. Up to jumbo frames; the spawn's receive
 * buffers are sized from it.
 */
#define MK_NET_MTU_DEFAULT	1500
#define MK_NET_MTU_MIN		68
#define MK_NET_MTU_MAX		9000

/**
 * struct mk_net_req - a virtio network interface named in a create line
 * @mac:	its MAC address, when @mac_set
 * @mac_set:	false: made up from the instance name
 */
struct mk_net_req {
	u8 mac[ETH_ALEN];
	bool mac_set;
};

/* Longest disk= path, NUL included; the create line is 1 KiB at most. */
#define MK_DISK_PATH_MAX	256

/**
 * struct mk_disk_req - a virtio disk named in a create line
 * @path:	the regular file or block device that backs it, absolute
 * @ro:		read-only (",ro")
 */
struct mk_disk_req {
	char path[MK_DISK_PATH_MAX];
	bool ro;
};

/**
 * struct mk_create_req - a parsed write to /sys/kernel/multikernel/create
 * @name:	instance name, [A-Za-z0-9_-], 1..%MULTIKERNEL_NAME_MAX chars
 * @cpus:	the CPUs asked for
 * @mem_size:	bytes of RAM asked for, not yet rounded
 * @nr_devices:	entries in @devices
 * @devices:	the devices asked for, each once
 * @iowin_size:	bytes of I/O window asked for, 0 for the default
 * @nr_net:	virtio network interfaces asked for
 * @net:	their MAC addresses, when given
 * @mtu:	the NICs' MTU, 0 for %MK_NET_MTU_DEFAULT
 * @vsock:	a virtio vsock device asked for
 * @nr_disks:	virtio disks asked for
 * @disks:	what backs them
 */
struct mk_create_req {
	char name[MULTIKERNEL_NAME_MAX + 1];
	struct cpumask cpus;
	u64 mem_size;
	unsigned int nr_devices;
	struct mk_device_addr devices[MK_MAX_DEVICES];
	u64 iowin_size;
	unsigned int nr_net;
	struct mk_net_req net[MK_VIRTIO_MAX_DEVICES];
	unsigned int mtu;
	bool vsock;
	unsigned int nr_disks;
	struct mk_disk_req disks[MK_VIRTIO_MAX_DEVICES];
};

/* Virtio devices need an I/O window. */
static inline bool mk_create_wants_iowin(const struct mk_create_req *req)
{
	return req->nr_net || req->vsock || req->nr_disks;
}

int mk_parse_pci_addr(const char *s, struct mk_pci_addr *addr);
int mk_parse_device(const char *s, struct mk_device_addr *addr);

int mk_create_parse(const char *buf, struct mk_create_req *req,
		    const char **why);
bool mk_name_valid(const char *name);

/* Instance states, as shown in instances/NAME/state. */
enum mk_state {
	MK_STATE_EMPTY,
	MK_STATE_LOADED,
	MK_STATE_STARTING,
	MK_STATE_RUNNING,
	MK_STATE_STOPPING,
	MK_STATE_STOPPED,
	MK_STATE_CRASHED,
	MK_STATE_LOST,
};

/**
 * struct mk_segment - one piece of a loaded kernel image
 * @buf:	the bytes to copy, vmalloc()ed
 * @bufsz:	bytes in @buf
 * @mem:	physical destination inside the instance's RAM
 * @memsz:	bytes at @mem; what @buf does not fill is zeroed
 */
struct mk_segment {
	void *buf;
	size_t bufsz;
	phys_addr_t mem;
	size_t memsz;
};

/**
 * struct mk_image - a kernel loaded into an instance, kept by the host so
 * that every start (and restart) begins from the same bytes
 * @nr_segments: entries in @segments
 * @segments:	what to copy where
 * @entry:	physical address the start trampoline jumps to: the laid-out
 *		kernel's entry, or kexec's purgatory for a kernel that
 *		decompresses itself
 * @boot_params: physical address of the boot parameters the kernel entry
 *		wants in a register (x86: %rsi); 0 with purgatory
 * @boot_data:	what the architecture kept at load time (x86: the
 *		setup_data chain the bzImage loader built, which the
 *		multikernel record links to)
 * @method:	how the kernel was compressed ("gzip", "zstd", ...)
 * @decompressed: whether the host decompressed it at load time
 */
struct mk_image {
	unsigned int nr_segments;
	struct mk_segment *segments;
	phys_addr_t entry;
	u64 boot_params;
	u64 boot_data;
	const char *method;
	bool decompressed;
};

/**
 * struct mk_prepared - a kernel the architecture laid out at load time
 * @buf:	the laid-out kernel, vmalloc()ed, now the kernel segment's
 * @size:	bytes in @buf
 * @entry:	its physical entry point
 * @boot_params: physical address of its boot parameters
 * @method:	the compression method found (a static string)
 */
struct mk_prepared {
	void *buf;
	size_t size;
	phys_addr_t entry;
	u64 boot_params;
	const char *method;
};

/**
 * enum mk_image_source - when the image a start ran was put in place
 * @MK_IMAGE_FROM_LOAD:	when it was loaded (a first start)
 * @MK_IMAGE_FROM_STOP:	by the work item after the last stop
 * @MK_IMAGE_FROM_START: by the start itself, on the start path
 */
enum mk_image_source {
	MK_IMAGE_FROM_LOAD,
	MK_IMAGE_FROM_STOP,
	MK_IMAGE_FROM_START,
};

/* image.c */
void mk_image_restore(struct mk_instance *inst, enum mk_image_source from);
void mk_image_refresh(struct work_struct *work);
void mk_image_refresh_later(struct mk_instance *inst);
const char *mk_image_source_name(enum mk_image_source from);
void mk_image_free(struct mk_image *image);

/* instance.c */

const char *mk_state_name(enum mk_state state);
const char *mk_exit_reason_name(enum mk_exit_reason reason);

int mk_instance_create(const char *buf);
int mk_instance_destroy(const char *name);
int mk_instance_control(struct mk_instance *inst, const char *verb);
struct mk_instance *mk_instance_get(const char *name, unsigned int id);
void mk_instance_put(struct mk_instance *inst);
int mk_instance_lock_live(struct mk_instance *inst);
void mk_instance_set_image(struct mk_instance *inst, struct mk_image *image);
void mk_instance_show_footprints(struct seq_file *m);

/* sysfs.c */
int mk_sysfs_add_instance(struct mk_instance *inst);
void mk_sysfs_remove_instance(struct mk_instance *inst);
extern const struct kobj_type mk_instance_ktype;

/* cpu.c */
void mk_cpus_available(struct cpumask *mask);
int mk_cpus_claim(const struct cpumask *cpus, const char *who);
void mk_cpus_release(const struct cpumask *cpus);
void mk_cpus_return(const struct cpumask *cpus);
bool mk_cpus_online_veto_active(void);

/**
 * struct mk_ring_end - this kernel's end of a mailbox ring
 * @ring:	the ring in shared memory
 * @size:	bytes of data, this kernel's idea, never read from the ring
 * @pos:	head (producer) or tail (consumer) as this kernel knows it
 * @seq:	sequence number of the next record sent or expected
 * @doorbells:	producer: doorbells rung for this ring. Consumer: the
 *		producer's count when it was last looked at.
 */
struct mk_ring_end {
	struct mk_ring *ring;
	u32 size;
	u64 pos;
	u64 seq;
	u64 doorbells;
};

/* ring.c */
void mk_ring_init(struct mk_ring *ring, struct mk_ring_end *prod,
		  struct mk_ring_end *cons, u32 size);
void mk_ring_attach(struct mk_ring_end *end, struct mk_ring *ring, u32 size);
int mk_ring_send(struct mk_ring_end *p, u16 type, const void *buf, u32 len);
int mk_ring_recv(struct mk_ring_end *c, u16 *type, void *buf, u32 size);
void mk_ring_set_draining(struct mk_ring_end *c, bool draining);
bool mk_ring_wants_doorbell(struct mk_ring_end *p);
bool mk_ring_empty(struct mk_ring_end *c);
void mk_ring_note_doorbell(struct mk_ring_end *p);
u64 mk_ring_new_doorbells(struct mk_ring_end *c);

/**
 * struct mk_channel_stats - what a channel counts, shown in stats
 * @sent:	records sent
 * @received:	records received
 * @doorbells:	doorbell IPIs sent (fewer than @sent when batched)
 * @full:	sends refused with -EAGAIN because the ring was full
 * @unhandled:	records of a type nobody handles here
 */
struct mk_channel_stats {
	u64 sent;
	u64 received;
	u64 doorbells;
	u64 full;
	u64 unhandled;
};

/**
 * struct mk_channel - this kernel's end of a mailbox
 * @tx:		ring this kernel produces into
 * @rx:		ring this kernel consumes from
 * @tx_lock:	serialises senders and @up changes
 * @rx_lock:	serialises draining @rx (doorbell interrupt and @rx_work);
 *		taken before @tx_lock (handlers send), and with it to
 *		connect the channel
 * @rx_work:	drains what the doorbell interrupt left
 * @up:		connected: rings valid, peer running
 * @rx_paused:	test hook: leave records in @rx
 * @error:	-EPROTO once the peer broke the protocol
 * @peer_hw_id:	where the doorbell goes
 * @name:	for messages
 * @stats:	counters, under @tx_lock for the send side
 * @msgdev:	the message device on this channel, or NULL
 * @rx_buf:	payload of the record being handled
 */
struct mk_channel {
	struct mk_ring_end tx;
	struct mk_ring_end rx;
	spinlock_t tx_lock;	/* see @tx_lock above */
	spinlock_t rx_lock;	/* see @rx_lock above */
	struct work_struct rx_work;
	bool up;
	bool rx_paused;
	int error;
	u32 peer_hw_id;
	const char *name;
	struct mk_channel_stats stats;
	struct mk_msgdev *msgdev;
	u8 rx_buf[MK_MSG_MAX_PAYLOAD];
};

/**
 * struct mk_msgdev - a message device, /dev/mk-*
 * @misc:	the character device
 * @name:	its name, "mk-NAME" or "mk-host"
 * @ch:		the channel it talks through
 * @owner:	held while the device is open (the instance), or NULL
 * @lock:	protects @queue and @queued
 * @queue:	received messages waiting for read()
 * @queued:	entries in @queue
 * @dropped:	messages dropped because @queue was full
 * @wait:	readers and pollers
 * @ping_lock:	one ping at a time
 * @pong:	completed when the echo of @ping_cookie comes back
 * @ping_cookie: payload of the last ping
 */
struct mk_msgdev {
	struct miscdevice misc;
	char name[MULTIKERNEL_NAME_MAX + 4];
	struct mk_channel *ch;
	struct kobject *owner;
	spinlock_t lock;	/* see @lock above */
	struct list_head queue;
	unsigned int queued;
	u64 dropped;
	wait_queue_head_t wait;
	struct mutex ping_lock;	/* see @ping_lock above */
	struct completion pong;
	u64 ping_cookie;
};

int mk_msgdev_register(struct mk_msgdev *dev, struct mk_channel *ch,
		       const char *suffix, struct kobject *owner);
void mk_msgdev_unregister(struct mk_msgdev *dev);
void mk_msgdev_wake(struct mk_msgdev *dev);
int mk_msgdev_ping_ns(struct mk_msgdev *dev, u64 *ns, bool spin);

/*
 * Records handled per doorbell interrupt, and per run of the work that
 * takes over when there are more: a peer that keeps the ring full cannot
 * keep a CPU in interrupt context.
 */
#define MK_RX_IRQ_BUDGET	32
#define MK_RX_WORK_BUDGET	256

/* mailbox.c */
void mk_channel_init(struct mk_channel *ch, const char *name);
void mk_channel_connect(struct mk_channel *ch, struct mk_ring *tx,
			struct mk_ring *rx, u32 peer_hw_id, bool reset);
void mk_channel_disconnect(struct mk_channel *ch);
void mk_channel_kick(struct mk_channel *ch);
void mk_channel_ring_doorbell(struct mk_channel *ch);
int mk_channel_try_send(struct mk_channel *ch, enum mk_msg_type type,
			const void *buf, u32 len);
bool mk_ring_empty_for_peer(struct mk_channel *ch);

/**
 * struct mk_uart_dev - the host's record of a UART it gave away
 * @line:	N of ttySN as named at create; the port gets it back
 * @irq:	its interrupt on the host
 * @flags:	its UPF_* flags on the host
 * @regshift:	its register spacing
 * @parent:	the device that registered it (a PNP device, say)
 * @region:	its I/O ports, held while the instance owns it
 */
struct mk_uart_dev {
	unsigned int line;
	unsigned int irq;
	u64 flags;
	u8 regshift;
	struct device *parent;
	struct resource *region;
};

/**
 * struct mk_device - a device assigned to an instance
 * @kind:	PCI function or legacy UART
 * @pdev:	for %MK_DEV_PCI: the function, referenced
 * @desc:	for %MK_DEV_PCI: what the spawn is told about it
 * @uart:	for %MK_DEV_UART: what the spawn is told about it
 * @host_uart:	for %MK_DEV_UART: what the host needs to take it back
 * @owned:	true while the host has given it up: from create until the
 *		instance halts, and again from each start
 */
struct mk_device {
	enum mk_device_kind kind;
	struct pci_dev *pdev;
	struct mk_pci_handover desc;
	struct mk_uart_handover uart;
	struct mk_uart_dev host_uart;
	bool owned;
};

/* The host's stamps of a start (its timestamp counter), in order. */
enum mk_host_stamp {
	MK_HSTAMP_ACCEPTED,	/* "start" accepted */
	MK_HSTAMP_INSTALLED,	/* image, shared area and FDT in place */
	MK_HSTAMP_IPI,		/* INIT and STARTUP IPIs about to go out */
	MK_HOST_STAMPS,
};

/* The phases of a start: each ends at the stamp of the same rank + 1. */
enum mk_boot_phase {
	MK_PHASE_INSTALL,	/* copy the image, build the shared area */
	MK_PHASE_IPI,		/* write the trampoline and boot record */
	MK_PHASE_TRAMPOLINE,	/* INIT/STARTUP IPIs until the CPU runs */
	MK_PHASE_KERNEL,	/* purgatory, decompression, early boot */
	MK_PHASE_READY,		/* the kernel's initcalls */
	MK_PHASE_INIT,		/* last initcalls until /init */
	MK_BOOT_PHASES,
};

/* What the host makes of a spawn's boot stamps. */
enum mk_boot_clock {
	MK_CLOCK_NONE,		/* no complete set (yet) */
	MK_CLOCK_OK,		/* in order: the phases are right */
	MK_CLOCK_UNSYNCED,	/* out of order: the counters differ */
};

/**
 * struct mk_boot_stamps - the stamps of the last start
 * @host:	the host's, by &enum mk_host_stamp
 * @spawn:	the spawn's, by &enum mk_boot_stamp, copied from the shared
 *		header when it said it reached /init
 * @seen:	the host's counter then; 0 until then
 */
struct mk_boot_stamps {
	u64 host[MK_HOST_STAMPS];
	u64 spawn[MK_BOOT_STAMPS];
	u64 seen;
};

/**
 * struct mk_instance - one spawn: its resources, image and state
 * @kobj:	instances/NAME in sysfs; the reference that keeps it alive
 * @node:	in the list of instances, under mk_instances_lock; an
 *		instance is on the list from the moment its name and id are
 *		taken until destroy has released everything it held
 * @lock:	serialises lifecycle operations; protects every field below
 * @live:	reachable: set once create has finished, cleared first thing
 *		by destroy. Every entry point (sysfs, the loader, debugfs)
 *		checks it under @lock and gives up with -ENODEV when clear,
 *		so nothing acts on an instance half created or half gone.
 * @id:		1..%MK_MAX_INSTANCES, stable for the instance's lifetime
 * @name:	unique name
 * @state:	where in the lifecycle it is
 * @cpus:	the CPUs it was created with
 * @cpus_owned:	true while the CPUs are claimed (from create until a
 *		stop, and again from each start)
 * @apic_ids:	physical APIC ids of @cpus, first the boot CPU
 * @mem_base:	physical start of its RAM, from the pool
 * @mem_size:	bytes of RAM
 * @shared_base: physical start of the shared area, from the pool
 * @low_base:	physical start of its low-memory slot (below 1 MiB)
 * @low_size:	bytes in the slot
 * @image:	the loaded kernel, NULL when none
 * @image_in_place: its RAM holds @image exactly as loaded (image.c)
 * @image_from:	when the image now in place was put there
 * @image_restored_bytes: bytes that restore had to write
 * @image_work:	restores @image after a stop (mk_image_refresh())
 * @start_image_from: @image_from of the last start
 * @start_restored_bytes: @image_restored_bytes of the last start
 * @handover:	copy of the FDT of the current or last start
 * @handover_size: bytes in @handover
 * @watch:	polls the shared header while the spawn runs
 * @state_kn:	sysfs node of "state", for sysfs_notify()
 * @starts:	number of starts
 * @start_ns:	ktime_get_ns() at the last start
 * @ready_ns:	ktime_get_ns() when the spawn last said it was ready
 * @stop_ns:	ktime_get_ns() when it last stopped
 * @exit_reason: why it last stopped (&enum mk_exit_reason)
 * @panic_msg:	what the spawn said when it last panicked
 * @ready_kernel_ns: when the spawn's kernel said it was ready (mailbox)
 * @ready_init_ns: when it said it was running /init (mailbox)
 * @heartbeat:	last heartbeat value seen
 * @heartbeat_ns: when it last moved
 * @cpu_beat:	last per-CPU heartbeat seen, in the order of @apic_ids
 * @cpu_beat_ns: when each last moved
 * @stalled_cpu: the host number of the CPU whose heartbeat stopped, when
 *		that was why it crashed; -1 otherwise
 * @unconfirmed_cpu: while lost, the first CPU that did not confirm it
 *		was parked; -1 otherwise
 * @stop_deadline_ns: while stopping: when to give up and kill
 * @doorbells:	doorbells the spawn says it rang since the start
 * @boot:	the stamps of the last start (boot_phases.c)
 * @chan:	the mailbox
 * @msgdev:	/dev/mk-NAME
 * @nr_devices:	entries in @devices
 * @devices:	the devices (PCI functions, legacy UARTs) assigned to it
 * @iowin_base:	physical start of its I/O window, 0 without one
 * @iowin_size:	bytes of the I/O window
 * @nr_vdevs:	entries in @vdevs
 * @vdevs:	the virtio devices the host serves it
 */
struct mk_instance {
	struct kobject kobj;
	struct list_head node;
	struct mutex lock;	/* see @lock above */
	bool live;
	unsigned int id;
	char name[MULTIKERNEL_NAME_MAX + 1];
	enum mk_state state;
	struct cpumask cpus;
	bool cpus_owned;
	u32 apic_ids[MK_SPAWN_MAX_CPUS];
	phys_addr_t mem_base;
	u64 mem_size;
	phys_addr_t shared_base;
	phys_addr_t low_base;
	u64 low_size;
	struct mk_image *image;
	bool image_in_place;
	enum mk_image_source image_from;
	size_t image_restored_bytes;
	struct work_struct image_work;
	enum mk_image_source start_image_from;
	size_t start_restored_bytes;
	void *handover;
	size_t handover_size;
	struct delayed_work watch;
	struct kernfs_node *state_kn;
	unsigned int starts;
	u64 start_ns;
	u64 ready_ns;
	u64 stop_ns;
	enum mk_exit_reason exit_reason;
	char panic_msg[MK_PANIC_MSG_MAX];
	u64 ready_kernel_ns;
	u64 ready_init_ns;
	u64 heartbeat;
	u64 heartbeat_ns;
	u64 cpu_beat[MK_SPAWN_MAX_CPUS];
	u64 cpu_beat_ns[MK_SPAWN_MAX_CPUS];
	int stalled_cpu;
	int unconfirmed_cpu;
	u64 stop_deadline_ns;
	u64 doorbells;
	struct mk_boot_stamps boot;
	struct mk_channel chan;
	struct mk_msgdev msgdev;
	unsigned int nr_devices;
	struct mk_device devices[MK_MAX_DEVICES];
	phys_addr_t iowin_base;
	u64 iowin_size;
	unsigned int nr_vdevs;
	struct mk_vdev *vdevs[MK_VIRTIO_MAX_DEVICES];
};

/* Most entries per virtqueue a host-side virtio device takes. */
#define MK_VDEV_QUEUE_SIZE_MAX	256

struct bio_vec;
struct mk_vdev;

/**
 * struct mk_vdev_ops - a host-side virtio device backend
 * @device_id:	VIRTIO_ID_*
 * @features:	what it offers, transport features included
 * @num_queues:	its virtqueues, at most %MK_VIRTIO_MAX_QUEUES
 *		(both can be changed per device: struct mk_vdev)
 * @config_size: bytes of its config space
 * @fill_config: writes the config space at each start
 * @start:	the driver said DRIVER_OK
 * @stop:	the device is reset (by the driver, or the spawn is gone)
 * @broken:	the driver broke the protocol: update @config to say the
 *		device is out of order (e.g. link down); any context
 * @kick:	the driver put buffers on queue @queue; process context
 * @show:	prints the backend's lines for stats, or NULL
 * @remove:	at destroy, the device stopped: frees the backend and,
 *		with mk_vdev_free(), the device
 */
struct mk_vdev_ops {
	u32 device_id;
	u64 features;
	unsigned int num_queues;
	unsigned int config_size;
	void (*fill_config)(struct mk_vdev *vd, u8 *config);
	void (*start)(struct mk_vdev *vd);
	void (*stop)(struct mk_vdev *vd);
	void (*broken)(struct mk_vdev *vd, u8 *config);
	void (*kick)(struct mk_vdev *vd, unsigned int queue);
	int (*show)(struct mk_vdev *vd, char *buf, int len);
	void (*remove)(struct mk_vdev *vd);
};

/**
 * struct mk_vq - the device side of one virtqueue
 * @vrh:	vringh over the queue, through the device's IOTLB
 * @lock:	serialises everything that uses @vrh and @ready
 * @ready:	the driver set it up
 */
struct mk_vq {
	struct vringh vrh;
	spinlock_t lock;	/* see @lock above */
	bool ready;
};

/**
 * struct mk_vdev_stats - what a virtio device counts, shown in stats
 * @requests:	control requests handled
 * @kicks:	queue notifications handled
 * @interrupts:	used-buffer and config interrupts raised; atomic: a disk's
 *		queues raise them from work items of their own
 * @resets:	resets by the driver
 * @needs_reset: times the driver broke the protocol
 * @lost_pokes:	pokes the mailbox refused (full or down)
 * @bad_kicks:	notifications for queues the device does not have
 */
struct mk_vdev_stats {
	u64 requests;
	u64 kicks;
	atomic64_t interrupts;
	u64 resets;
	u64 needs_reset;
	u64 lost_pokes;
	u64 bad_kicks;
};

/**
 * struct mk_vdev - a virtio device the host serves an instance
 * @inst:	the instance
 * @index:	its control block in the shared area
 * @ops:	its backend
 * @offered:	the features it offers: @ops' unless the backend changed
 *		them right after mk_vdev_create() (a read-only disk)
 * @num_queues:	its virtqueues: @ops' unless changed as @offered
 * @priv:	the backend's
 * @ctrl:	the control block, in the host's map of the shared area
 * @iotlb:	maps the I/O window, IOVA = physical, and nothing else
 * @iotlb_lock:	for vringh
 * @lock:	serialises requests, kicks and stops
 * @status_lock: @status, @needs_reset and @broken_why change together
 *		under it, and the device status the driver reads is
 *		published under it: a request on the control path (@lock)
 *		and a broken ring on a data path (a queue's lock) must not
 *		undo each other's status
 * @work:	handles what the driver's pokes announce
 * @running:	the instance runs: pokes and interrupts are wanted
 * @poke_failed: the last poke to the driver did not go out: the next
 *		interrupt pokes anyway, and the instance's watch retries
 * @needs_reset: the driver broke the protocol; queues are left alone
 * @broken_why:	what it did
 * @handled_seq: the last request handled
 * @status:	device status as negotiated
 * @features:	features the driver accepted
 * @stats:	counters
 * @vqs:	its virtqueues
 */
struct mk_vdev {
	struct mk_instance *inst;
	unsigned int index;
	const struct mk_vdev_ops *ops;
	u64 offered;
	unsigned int num_queues;
	void *priv;
	struct mk_virtio_ctrl *ctrl;
	struct vhost_iotlb *iotlb;
	spinlock_t iotlb_lock;	/* see @iotlb_lock above */
	struct mutex lock;	/* see @lock above */
	spinlock_t status_lock;	/* see @status_lock above */
	struct work_struct work;
	bool running;
	bool poke_failed;
	bool needs_reset;
	const char *broken_why;
	u32 handled_seq;
	u32 status;
	u64 features;
	struct mk_vdev_stats stats;
	struct mk_vq vqs[MK_VIRTIO_MAX_QUEUES];
};

#ifdef CONFIG_MULTIKERNEL_VIRTIO
/* virtio_host.c */
struct mk_vdev *mk_vdev_create(struct mk_instance *inst,
			       const struct mk_vdev_ops *ops, void *priv);
void mk_vdev_free(struct mk_vdev *vd);
void mk_vdev_describe(struct mk_vdev *vd, struct mk_virtio_handover *v);
void mk_vdev_interrupt(struct mk_vdev *vd, unsigned int queue);
void mk_vdev_broken(struct mk_vdev *vd, const char *why);
bool mk_vq_usable(struct mk_vdev *vd, struct mk_vq *vq);
int mk_vdev_iov_to_bvec(struct mk_vdev *vd, const struct vringh_kiov *iov,
			size_t len, bool to_driver, struct bio_vec *bvec,
			unsigned int max);
void mk_vdev_poked(struct mk_instance *inst, u32 index);
void mk_vdevs_start(struct mk_instance *inst);
void mk_vdevs_stop(struct mk_instance *inst);
void mk_vdevs_watch(struct mk_instance *inst);
int mk_vdevs_show(struct mk_instance *inst, char *buf, int len);
void mk_vdevs_destroy(struct mk_instance *inst);

/* vnet_host.c */
int mk_vnets_create(struct mk_instance *inst, const struct mk_create_req *req);
#else
static inline void mk_vdev_describe(struct mk_vdev *vd,
				    struct mk_virtio_handover *v) { }
static inline void mk_vdevs_start(struct mk_instance *inst) { }
static inline void mk_vdevs_stop(struct mk_instance *inst) { }
static inline void mk_vdevs_watch(struct mk_instance *inst) { }
static inline int mk_vdevs_show(struct mk_instance *inst, char *buf, int len)
{
	return 0;
}

static inline int mk_vnets_create(struct mk_instance *inst,
				  const struct mk_create_req *req)
{
	return req->nr_net ? -EOPNOTSUPP : 0;
}

static inline void mk_vdevs_destroy(struct mk_instance *inst) { }
#endif

#ifdef CONFIG_MULTIKERNEL_VIRTIO_BLK
/* vblk_host.c */
int mk_vblks_create(struct mk_instance *inst, const struct mk_create_req *req);
#else
static inline int mk_vblks_create(struct mk_instance *inst,
				  const struct mk_create_req *req)
{
	return req->nr_disks ? -EOPNOTSUPP : 0;
}
#endif

/* A spawn's vsock CID: its instance id plus this (instance 1 is CID 3). */
#define MK_VSOCK_CID_OFFSET	2

#ifdef CONFIG_MULTIKERNEL_VSOCK
/* vsock_host.c */
u32 mk_vsock_cid(const struct mk_instance *inst);
int mk_vsock_create(struct mk_instance *inst);
#else
static inline int mk_vsock_create(struct mk_instance *inst)
{
	return -EOPNOTSUPP;
}
#endif

/* virtio_fdt.c */
int mk_virtio_fdt_build(struct mk_instance *inst, void *fdt);
int mk_virtio_fdt_parse(const void *fdt, int node, struct mk_spawn_info *info,
			const char **why);

/* decompress.c */
int mk_decompress(const u8 *in, size_t in_len, u8 *out, size_t out_len,
		  const char **method);

/* elf_layout.c */
int mk_elf_layout_check(const u8 *elf, size_t len, u16 machine, u64 base,
			size_t room, size_t *filesz, u64 *entry_off);
void mk_elf_layout_place(const u8 *elf, u64 base, u8 *out);

/* boot_phases.c */
void mk_boot_stamps_reset(struct mk_boot_stamps *bs, u64 accepted);
void mk_boot_stamps_take(struct mk_boot_stamps *bs, const __le64 *hdr,
			 u64 seen);
enum mk_boot_clock mk_boot_phases(const struct mk_boot_stamps *bs, u32 khz,
				  u64 ns[MK_BOOT_PHASES]);
int mk_boot_phases_show(const struct mk_boot_stamps *bs, u32 khz, char *buf,
			int len);

/* console.c */
ssize_t mk_console_read(struct mk_instance *inst, char *buf, loff_t off,
			size_t count);
u64 mk_console_bytes(struct mk_instance *inst);
void mk_console_reset(struct mk_instance *inst);

/**
 * struct mk_handover_node - one subsystem's node in the handover FDT
 * @name:	node name, a child of the root
 * @build:	adds the node's properties and subnodes for an instance;
 *		returns 0 or a libfdt error
 * @list:	in the list of registered nodes
 */
struct mk_handover_node {
	const char *name;
	int (*build)(struct mk_instance *inst, void *fdt);
	struct list_head list;
};

/* handover.c */
int mk_handover_build(struct mk_instance *inst, void *buf, size_t size);
int mk_prop_u32(const void *fdt, int node, const char *name, u32 *val);
void mk_handover_register(struct mk_handover_node *node);

/* device_fdt.c */
int mk_devices_fdt_parse(const void *fdt, int node, struct mk_spawn_info *info,
			 const char **why);

/* device.c */
int mk_devices_assign(struct mk_instance *inst,
		      const struct mk_create_req *req);
void mk_devices_unassign(struct mk_instance *inst);
int mk_devices_take(struct mk_instance *inst);
void mk_devices_give_back(struct mk_instance *inst);
ssize_t mk_devices_show(struct mk_instance *inst, char *buf);

/* device_pci.c */
#ifdef CONFIG_PCI
int mk_pci_assign(struct mk_instance *inst, const struct mk_pci_addr *addr,
		  struct mk_device *dev);
int mk_pci_take(struct mk_instance *inst, struct mk_device *dev);
void mk_pci_give_back(struct mk_instance *inst, struct mk_device *dev);
void mk_pci_unassign(struct mk_device *dev);
const char *mk_pci_dev_name(const struct mk_device *dev);
#else
static inline int mk_pci_assign(struct mk_instance *inst,
				const struct mk_pci_addr *addr,
				struct mk_device *dev)
{
	return -EOPNOTSUPP;
}

static inline int mk_pci_take(struct mk_instance *inst, struct mk_device *dev)
{
	return -EOPNOTSUPP;
}

static inline void mk_pci_give_back(struct mk_instance *inst,
				    struct mk_device *dev) { }
static inline void mk_pci_unassign(struct mk_device *dev) { }
static inline const char *mk_pci_dev_name(const struct mk_device *dev)
{
	return "";
}
#endif

/* device_uart.c */
#if IS_BUILTIN(CONFIG_SERIAL_8250)
int mk_uart_assign(struct mk_instance *inst, unsigned int line,
		   struct mk_device *dev);
int mk_uart_take(struct mk_instance *inst, struct mk_device *dev);
void mk_uart_give_back(struct mk_instance *inst, struct mk_device *dev);
void mk_uart_unassign(struct mk_device *dev);
#else
static inline int mk_uart_assign(struct mk_instance *inst, unsigned int line,
				 struct mk_device *dev)
{
	return -EOPNOTSUPP;
}

static inline int mk_uart_take(struct mk_instance *inst, struct mk_device *dev)
{
	return -EOPNOTSUPP;
}

static inline void mk_uart_give_back(struct mk_instance *inst,
				     struct mk_device *dev) { }
static inline void mk_uart_unassign(struct mk_device *dev) { }
#endif

/* debugfs.c: what the test hooks make the next starts claim; 0: the truth. */
#ifdef CONFIG_MULTIKERNEL_TEST_HOOKS
u32 mk_test_handover_major(void);
u32 mk_test_shared_version(void);
bool mk_test_ignore_park(void);
bool mk_test_late_sipi(void);
u32 mk_test_boot_timeout_ms(void);
bool mk_test_never_ready(void);
u64 mk_test_stamp_skew(void);
bool mk_test_keep_compressed(void);
bool mk_test_fail_init(const char *step);
struct dentry;
void mk_debugfs_peer_init(struct dentry *dir);
#else
static inline u32 mk_test_handover_major(void) { return 0; }
static inline u32 mk_test_shared_version(void) { return 0; }
static inline bool mk_test_ignore_park(void) { return false; }
static inline bool mk_test_late_sipi(void) { return false; }
static inline u32 mk_test_boot_timeout_ms(void) { return 0; }
static inline bool mk_test_never_ready(void) { return false; }
static inline u64 mk_test_stamp_skew(void) { return 0; }
static inline bool mk_test_keep_compressed(void) { return false; }
static inline bool mk_test_fail_init(const char *step) { return false; }
#endif

/* loader.c */
struct mk_instance *mk_loader_instance(struct kimage *image);
void mk_loader_set_boot_data(struct kimage *image, u64 data);

/* spawn.c and the architecture: parking a spawn's CPUs for the host's kill. */
struct mk_shared_header *mk_spawn_header(void);
bool mk_spawn_park_requested(void);
void mk_spawn_mark_parked(void);
int __init mk_arch_spawn_park_init(void);
void __noreturn mk_arch_spawn_park_this_cpu(void);

/* Architecture hooks (arch/x86/kernel/multikernel/). */
int mk_arch_claim_low_slot(struct mk_instance *inst);
void __init mk_arch_release_low_slots(void);
u32 mk_arch_cpu_hw_id(unsigned int cpu);
int mk_arch_start(struct mk_instance *inst);
void mk_arch_reset_cpus(struct mk_instance *inst);
void mk_arch_park_cpu(unsigned int cpu);
u32 mk_arch_tsc_khz(void);
u64 mk_arch_stamp(void);
int mk_arch_prepare_image(struct kimage *image, struct mk_prepared *prep);
u32 mk_arch_lapic_khz(void);
int mk_arch_doorbell_init(void (*handler)(void));
void mk_arch_doorbell(u32 hw_id);
u32 mk_arch_host_doorbell_id(void);
int mk_arch_pci_ecam(u16 segment, u8 bus, u64 *base);
#ifdef CONFIG_PCI
void __init mk_arch_spawn_pci_setup(const struct mk_spawn_info *info);
#else
static inline void mk_arch_spawn_pci_setup(const struct mk_spawn_info *info)
{
}
#endif

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel core: declarations shared by the files of kernel/multikernel/.
 */
#ifndef _KERNEL_MULTIKERNEL_INTERNAL_H
#define _KERNEL_MULTIKERNEL_INTERNAL_H

#include <linux/cpumask.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/multikernel.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/workqueue.h>

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
 * struct mk_create_req - a parsed write to /sys/kernel/multikernel/create
 * @name:	instance name, [A-Za-z0-9_-], 1..%MULTIKERNEL_NAME_MAX chars
 * @cpus:	the CPUs asked for
 * @mem_size:	bytes of RAM asked for, not yet rounded
 */
struct mk_create_req {
	char name[MULTIKERNEL_NAME_MAX + 1];
	struct cpumask cpus;
	u64 mem_size;
};

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
 * @entry:	physical address the start trampoline jumps to (purgatory)
 */
struct mk_image {
	unsigned int nr_segments;
	struct mk_segment *segments;
	phys_addr_t entry;
};

/**
 * struct mk_instance - one spawn: its resources, image and state
 * @kobj:	instances/NAME in sysfs; the reference that keeps it alive
 * @node:	in the list of instances, under mk_instances_lock
 * @lock:	serialises lifecycle operations; protects every field below
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
 * @handover:	copy of the FDT of the current or last start
 * @handover_size: bytes in @handover
 * @watch:	polls the shared header while the spawn runs
 * @state_kn:	sysfs node of "state", for sysfs_notify()
 * @starts:	number of starts
 * @start_ns:	ktime_get_ns() at the last start
 * @ready_ns:	ktime_get_ns() when the spawn last said it was ready
 * @stop_ns:	ktime_get_ns() when it last stopped
 * @exit_reason: why it last stopped (&enum mk_exit_reason)
 */
struct mk_instance {
	struct kobject kobj;
	struct list_head node;
	struct mutex lock;	/* see @lock above */
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
	void *handover;
	size_t handover_size;
	struct delayed_work watch;
	struct kernfs_node *state_kn;
	unsigned int starts;
	u64 start_ns;
	u64 ready_ns;
	u64 stop_ns;
	enum mk_exit_reason exit_reason;
};

const char *mk_state_name(enum mk_state state);
const char *mk_exit_reason_name(enum mk_exit_reason reason);

int mk_instance_create(const char *buf);
int mk_instance_destroy(const char *name);
int mk_instance_control(struct mk_instance *inst, const char *verb);
struct mk_instance *mk_instance_get(const char *name, unsigned int id);
void mk_instance_put(struct mk_instance *inst);
void mk_instance_set_image(struct mk_instance *inst, struct mk_image *image);
void mk_image_free(struct mk_image *image);

/* sysfs.c */
int mk_sysfs_add_instance(struct mk_instance *inst);
void mk_sysfs_remove_instance(struct mk_instance *inst);
extern const struct kobj_type mk_instance_ktype;

/* cpu.c */
void mk_cpus_available(struct cpumask *mask);
int mk_cpus_claim(const struct cpumask *cpus, const char *who);
void mk_cpus_release(const struct cpumask *cpus);

/* console.c */
ssize_t mk_console_read(struct mk_instance *inst, char *buf, loff_t off,
			size_t count);
u64 mk_console_bytes(struct mk_instance *inst);
void mk_console_reset(struct mk_instance *inst);

/* handover.c */
int mk_handover_build(struct mk_instance *inst, void *buf, size_t size);

/* loader.c */
struct mk_instance *mk_loader_instance(struct kimage *image);

/* Architecture hooks (arch/x86/kernel/multikernel/). */
int mk_arch_claim_low_slot(struct mk_instance *inst);
u32 mk_arch_cpu_hw_id(unsigned int cpu);
int mk_arch_start(struct mk_instance *inst);
void mk_arch_reset_cpus(struct mk_instance *inst);
u32 mk_arch_tsc_khz(void);
u32 mk_arch_lapic_khz(void);

#endif /* _KERNEL_MULTIKERNEL_INTERNAL_H */

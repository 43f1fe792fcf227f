/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multikernel virtio transport: what a host and its spawn share about
 * one virtio device. The spawn is the driver side, the host the device
 * side. Documentation/multikernel.rst ("Virtio over shared memory")
 * describes the protocol; this header is its binary layout.
 *
 * Each device has a control block in the shared area. Fields are written
 * by one side only (marked device: or driver:) and read by the other,
 * which treats them as untrusted. Virtqueues and every buffer lie in the
 * instance's I/O window; the host reaches nothing else of the spawn.
 */
#ifndef _LINUX_MULTIKERNEL_VIRTIO_H
#define _LINUX_MULTIKERNEL_VIRTIO_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/sizes.h>
#include <linux/types.h>

/* The control blocks, one per device, at this offset in the shared area. */
#define MK_SHARED_VIRTIO	0x100000
#define MK_VIRTIO_CTRL_SIZE	SZ_4K
#define MK_VIRTIO_MAX_DEVICES	4
#define MK_VIRTIO_MAX_QUEUES	8
#define MK_VIRTIO_CONFIG_MAX	256

#define MK_VIRTIO_MAGIC		0x4956424d	/* "MBVI" */

/* Bit of mk_virtio_ctrl.irq_pending: the device's config changed. */
#define MK_VIRTIO_IRQ_CONFIG	31

/* mk_virtio_ctrl.req_op: what the driver asks the device to do. */
enum mk_virtio_op {
	MK_VIRTIO_OP_NONE	= 0,
	MK_VIRTIO_OP_STATUS	= 1,	/* take status; 0 resets the device */
	MK_VIRTIO_OP_FEATURES	= 2,	/* take driver_features */
	MK_VIRTIO_OP_QUEUE	= 3,	/* req_arg: set up (or, size 0, drop) */
};

/**
 * struct mk_virtio_queue - where one virtqueue is (driver: writes)
 * @desc:	physical address of the descriptor table
 * @driver:	of the driver (available) ring
 * @device:	of the device (used) ring
 * @size:	entries, a power of two up to the device's queue_size_max;
 *		0 while the queue is not in use
 * @pad:	zero
 */
struct mk_virtio_queue {
	__le64 desc;
	__le64 driver;
	__le64 device;
	__le32 size;
	__le32 pad;
};

/**
 * struct mk_virtio_ctrl - the control block of one device
 * @magic:	device: %MK_VIRTIO_MAGIC once the block is valid
 * @device_status: device: the status as the device sees it, with
 *		VIRTIO_CONFIG_S_NEEDS_RESET once it gave up on the driver
 * @ack_seq:	device: the last @req_seq it handled
 * @ack_result:	device: 0, or the positive errno the request failed with
 * @irq_pending: device: bit N set when queue N has used buffers, bit
 *		%MK_VIRTIO_IRQ_CONFIG when the config space changed; the
 *		driver clears what it takes
 * @config_generation: device: changes whenever @config does
 * @driver_features: driver: the features it accepts
 * @req_op:	driver: an enum mk_virtio_op
 * @req_arg:	driver: its argument
 * @req_seq:	driver: incremented for each request, after the fields
 *		above are written
 * @notify_pending: driver: bit N set when queue N has new buffers; the
 *		device clears what it takes
 * @pad:	zero
 * @queues:	driver: the virtqueues
 * @config:	device: the device-specific config space
 *
 * A request: the driver writes its fields, then @req_seq (release), then
 * pokes the peer with an %MK_MSG_VIRTIO record. The device does it, writes
 * @ack_result, then @ack_seq (release), and pokes back. A kick or an
 * interrupt: set the bit (atomically), poke the peer if it was clear.
 */
struct mk_virtio_ctrl {
	__le32 magic;
	__le32 device_status;
	__le32 ack_seq;
	__le32 ack_result;
	__le32 irq_pending;
	__le32 config_generation;
	__le64 driver_features;
	__le32 req_op;
	__le32 req_arg;
	__le32 req_seq;
	__le32 notify_pending;
	__le32 pad[4];
	struct mk_virtio_queue queues[MK_VIRTIO_MAX_QUEUES];
	u8 config[MK_VIRTIO_CONFIG_MAX];
};

/**
 * struct mk_virtio_poke - payload of an %MK_MSG_VIRTIO record
 * @device:	index of the device whose control block to look at
 */
struct mk_virtio_poke {
	__le32 device;
};

/**
 * struct mk_virtio_handover - a virtio device as the handover FDT lists it
 * @index:	its control block: MK_SHARED_VIRTIO + index * MK_VIRTIO_CTRL_SIZE
 * @device_id:	VIRTIO_ID_*
 * @features:	what the device offers
 * @num_queues:	virtqueues
 * @queue_size_max: most entries per virtqueue
 * @config_size: bytes of config space
 */
struct mk_virtio_handover {
	u32 index;
	u32 device_id;
	u64 features;
	u32 num_queues;
	u32 queue_size_max;
	u32 config_size;
};

/*
 * The pending words are set by one side and taken by the other, both
 * with atomic operations on the little-endian word in shared memory.
 */
static inline u32 mk_virtio_set_pending(__le32 *word, unsigned int bit)
{
	return le32_to_cpu((__force __le32)atomic_fetch_or((__force int)cpu_to_le32(BIT(bit)),
							   (atomic_t *)word));
}

static inline u32 mk_virtio_take_pending(__le32 *word)
{
	return le32_to_cpu((__force __le32)atomic_xchg((atomic_t *)word, 0));
}

#endif /* _LINUX_MULTIKERNEL_VIRTIO_H */

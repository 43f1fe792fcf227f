// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtio transport of a multikernel spawn: the virtio devices its host
 * serves over shared memory, as listed in the handover FDT.
 *
 * Each device has a control block in the shared area (see
 * include/linux/multikernel_virtio.h). Feature negotiation, status and
 * queue setup are requests the host acknowledges; kicks and used-buffer
 * interrupts are bits in the block plus, for the first bit of a burst, a
 * poke over the mailbox, whose doorbell interrupt delivers it. Only the
 * host writes the config space.
 *
 * Every virtqueue and every buffer lies in the instance's I/O window:
 * the devices' DMA goes through a restricted DMA pool over the window
 * (swiotlb), so the host never needs to see the rest of this kernel's
 * memory. The host is trusted to run its end of the protocol, not with
 * the bytes it writes: they are read once and checked.
 */

#define pr_fmt(fmt) "virtio-multikernel: " fmt

#include <linux/blk_types.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/init.h>
#include <linux/memblock.h>
#include <linux/module.h>
#include <linux/multikernel.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/wait.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>

/*
 * How long a request may wait for the host's answer. The host handles
 * them in a work item; seconds only pass when it is overloaded or gone.
 * The wait looks again every slice, and pokes again when the last poke
 * did not go out.
 */
#define MK_VM_ACK_TIMEOUT_MS	10000
#define MK_VM_ACK_SLICE_MS	100

/**
 * struct mk_vm_device - one virtio device of this spawn
 * @vdev:	the virtio device
 * @pdev:	its parent, which has the restricted DMA pool
 * @ctrl:	its control block in shared memory
 * @desc:	what the handover FDT said about it
 * @req_lock:	one request at a time
 * @req_seq:	sequence number of the last request
 * @ack_wait:	where a request waits for its answer
 * @poke_failed: the last poke did not go out: send the next one anyway
 * @vqs:	its virtqueues, by index
 */
struct mk_vm_device {
	struct virtio_device vdev;
	struct platform_device *pdev;
	struct mk_virtio_ctrl *ctrl;
	struct mk_virtio_handover desc;
	struct mutex req_lock;	/* see @req_lock above */
	u32 req_seq;
	wait_queue_head_t ack_wait;
	bool poke_failed;
	struct virtqueue *vqs[MK_VIRTIO_MAX_QUEUES];
};

static struct mk_vm_device *mk_vm_devices[MK_VIRTIO_MAX_DEVICES];

/* The I/O window as a restricted DMA pool all devices share. */
static struct reserved_mem mk_vm_iowin = {
	.name	= "multikernel-iowin",
};

static struct mk_vm_device *to_mk_vm(struct virtio_device *vdev)
{
	return container_of(vdev, struct mk_vm_device, vdev);
}

static void mk_vm_poke(struct mk_vm_device *vm)
{
	struct mk_virtio_poke poke = { .device = cpu_to_le32(vm->desc.index) };

	WRITE_ONCE(vm->poke_failed,
		   !!mk_channel_send(mk_spawn_channel(), MK_MSG_VIRTIO, &poke,
				     sizeof(poke)));
}

static bool mk_vm_acked(struct mk_vm_device *vm, u32 seq)
{
	/* Pairs with the host's release of ack_seq. */
	return le32_to_cpu(smp_load_acquire(&vm->ctrl->ack_seq)) == seq;
}

/* Ask the host to act on what the control block says; sleeps. */
static int mk_vm_request(struct mk_vm_device *vm, enum mk_virtio_op op,
			 u32 arg)
{
	struct mk_virtio_ctrl *ctrl = vm->ctrl;
	unsigned int waited;
	u32 seq, result;
	int ret;

	mutex_lock(&vm->req_lock);
	seq = ++vm->req_seq;
	WRITE_ONCE(ctrl->req_op, cpu_to_le32(op));
	WRITE_ONCE(ctrl->req_arg, cpu_to_le32(arg));
	/* Op and argument before the host sees the new sequence number. */
	smp_store_release(&ctrl->req_seq, cpu_to_le32(seq));
	mk_vm_poke(vm);
	for (waited = 0; !mk_vm_acked(vm, seq); waited += MK_VM_ACK_SLICE_MS) {
		if (waited >= MK_VM_ACK_TIMEOUT_MS) {
			dev_err(&vm->vdev.dev, "host did not answer request %d\n",
				op);
			ret = -ETIMEDOUT;
			goto out;
		}
		if (READ_ONCE(vm->poke_failed))
			mk_vm_poke(vm);
		wait_event_timeout(vm->ack_wait, mk_vm_acked(vm, seq),
				   msecs_to_jiffies(MK_VM_ACK_SLICE_MS));
	}
	result = le32_to_cpu(READ_ONCE(ctrl->ack_result));
	ret = result <= MAX_ERRNO ? -(int)result : -EPROTO;
out:
	mutex_unlock(&vm->req_lock);
	return ret;
}

static void mk_vm_get(struct virtio_device *vdev, unsigned int offset,
		      void *buf, unsigned int len)
{
	struct mk_vm_device *vm = to_mk_vm(vdev);

	if (offset > vm->desc.config_size ||
	    len > vm->desc.config_size - offset) {
		memset(buf, 0, len);
		return;
	}
	memcpy(buf, vm->ctrl->config + offset, len);
}

static void mk_vm_set(struct virtio_device *vdev, unsigned int offset,
		      const void *buf, unsigned int len)
{
	dev_warn_once(&vdev->dev, "the host's config space is read-only\n");
}

static u32 mk_vm_generation(struct virtio_device *vdev)
{
	return le32_to_cpu(READ_ONCE(to_mk_vm(vdev)->ctrl->config_generation));
}

static u8 mk_vm_get_status(struct virtio_device *vdev)
{
	return le32_to_cpu(READ_ONCE(to_mk_vm(vdev)->ctrl->device_status));
}

static void mk_vm_set_status(struct virtio_device *vdev, u8 status)
{
	/* A refused status shows in what get_status() reads back. */
	mk_vm_request(to_mk_vm(vdev), MK_VIRTIO_OP_STATUS, status);
}

static void mk_vm_reset(struct virtio_device *vdev)
{
	if (mk_vm_request(to_mk_vm(vdev), MK_VIRTIO_OP_STATUS, 0))
		dev_err(&vdev->dev, "reset not confirmed by the host\n");
}

static u64 mk_vm_get_features(struct virtio_device *vdev)
{
	return to_mk_vm(vdev)->desc.features;
}

static int mk_vm_finalize_features(struct virtio_device *vdev)
{
	struct mk_vm_device *vm = to_mk_vm(vdev);

	vring_transport_features(vdev);
	if (!__virtio_test_bit(vdev, VIRTIO_F_VERSION_1)) {
		dev_err(&vdev->dev, "the host's devices are virtio 1.0 only\n");
		return -EINVAL;
	}
	WRITE_ONCE(vm->ctrl->driver_features, cpu_to_le64(vdev->features));
	return mk_vm_request(vm, MK_VIRTIO_OP_FEATURES, 0);
}

static bool mk_vm_notify(struct virtqueue *vq)
{
	struct mk_vm_device *vm = to_mk_vm(vq->vdev);

	if (!mk_virtio_set_pending(&vm->ctrl->notify_pending, vq->index) ||
	    READ_ONCE(vm->poke_failed))
		mk_vm_poke(vm);
	return true;
}

static int mk_vm_queue_tell(struct mk_vm_device *vm, unsigned int index,
			    struct virtqueue *vq)
{
	struct mk_virtio_queue *q = &vm->ctrl->queues[index];

	WRITE_ONCE(q->desc, cpu_to_le64(vq ? virtqueue_get_desc_addr(vq) : 0));
	WRITE_ONCE(q->driver, cpu_to_le64(vq ? virtqueue_get_avail_addr(vq) : 0));
	WRITE_ONCE(q->device, cpu_to_le64(vq ? virtqueue_get_used_addr(vq) : 0));
	WRITE_ONCE(q->size, cpu_to_le32(vq ? virtqueue_get_vring_size(vq) : 0));
	return mk_vm_request(vm, MK_VIRTIO_OP_QUEUE, index);
}

static void mk_vm_del_vqs(struct virtio_device *vdev)
{
	struct mk_vm_device *vm = to_mk_vm(vdev);
	struct virtqueue *vq, *n;

	list_for_each_entry(vq, &vdev->vqs, list) {
		mk_vm_queue_tell(vm, vq->index, NULL);
		WRITE_ONCE(vm->vqs[vq->index], NULL);
	}
	/* The poke handler runs with interrupts off: let it finish. */
	synchronize_rcu();
	list_for_each_entry_safe(vq, n, &vdev->vqs, list)
		vring_del_virtqueue(vq);
}

static void mk_vm_synchronize_cbs(struct virtio_device *vdev)
{
	/* Callbacks come from the poke handler, with interrupts off. */
	synchronize_rcu();
}

static int mk_vm_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			  struct virtqueue *vqs[],
			  struct virtqueue_info vqs_info[],
			  struct irq_affinity *desc)
{
	struct mk_vm_device *vm = to_mk_vm(vdev);
	unsigned int i, index = 0;
	struct virtqueue *vq;
	int ret;

	for (i = 0; i < nvqs; i++) {
		if (!vqs_info[i].name) {
			vqs[i] = NULL;
			continue;
		}
		if (index >= vm->desc.num_queues) {
			ret = -ENOENT;
			goto out_del;
		}
		vq = vring_create_virtqueue(index, vm->desc.queue_size_max,
					    SMP_CACHE_BYTES, vdev, true, true,
					    vqs_info[i].ctx, mk_vm_notify,
					    vqs_info[i].callback,
					    vqs_info[i].name);
		if (!vq) {
			ret = -ENOMEM;
			goto out_del;
		}
		vm->vqs[index] = vq;
		vqs[i] = vq;
		ret = mk_vm_queue_tell(vm, index, vq);
		if (ret) {
			dev_err(&vdev->dev, "host refused queue %u (%d)\n",
				index, ret);
			goto out_del;
		}
		index++;
	}
	return 0;

out_del:
	mk_vm_del_vqs(vdev);
	return ret;
}

static const char *mk_vm_bus_name(struct virtio_device *vdev)
{
	return "multikernel";
}

static const struct virtio_config_ops mk_vm_config_ops = {
	.get			= mk_vm_get,
	.set			= mk_vm_set,
	.generation		= mk_vm_generation,
	.get_status		= mk_vm_get_status,
	.set_status		= mk_vm_set_status,
	.reset			= mk_vm_reset,
	.find_vqs		= mk_vm_find_vqs,
	.del_vqs		= mk_vm_del_vqs,
	.synchronize_cbs	= mk_vm_synchronize_cbs,
	.get_features		= mk_vm_get_features,
	.finalize_features	= mk_vm_finalize_features,
	.bus_name		= mk_vm_bus_name,
};

#ifdef CONFIG_MULTIKERNEL_TEST_HOOKS
/* How long the break hook keeps offering until the host notices. */
#define MK_VM_BREAK_WAIT_MS	5000
/* How often it offers again meanwhile (the host may have missed it). */
#define MK_VM_BREAK_RETRY_MS	50
#define MK_VM_BREAK_POLL_US	500
/* "jump": half the index space, more than any ring holds either way. */
#define MK_VM_BREAK_JUMP	0x8000

/*
 * Offer the malformed buffer once and kick. The descriptor goes into
 * the last slot of the table ("hdr": @buf, in the window); "jump" moves
 * only the available index, once: later calls just kick again.
 */
static void mk_vm_break_offer(struct virtqueue *vq, const char *how,
			      dma_addr_t buf, bool first)
{
	struct vring_avail *avail = phys_to_virt(virtqueue_get_avail_addr(vq));
	struct vring_desc *desc = phys_to_virt(virtqueue_get_desc_addr(vq));
	unsigned int num = virtqueue_get_vring_size(vq), head = num - 1;
	u16 idx;

	if (!strcmp(how, "jump") && !first)
		goto notify;
	/*
	 * The driver does not know of the hook: from the read of the index
	 * to its store, a buffer the driver publishes on another CPU is
	 * lost or moves the index back. Keep that window short.
	 */
	preempt_disable();
	idx = virtio16_to_cpu(vq->vdev, READ_ONCE(avail->idx));
	if (!strcmp(how, "jump")) {
		idx += MK_VM_BREAK_JUMP;
	} else {
		if (!strcmp(how, "addr")) {
			/* This kernel's own RAM: never in the window. */
			desc[head].addr = cpu_to_virtio64(vq->vdev,
							  multikernel_spawn->mem_base);
			desc[head].flags = 0;
		} else if (!strcmp(how, "hdr")) {
			desc[head].addr = cpu_to_virtio64(vq->vdev, buf);
			desc[head].flags = 0;
		} else {
			desc[head].addr = cpu_to_virtio64(vq->vdev,
							  virtqueue_get_desc_addr(vq));
			desc[head].flags = cpu_to_virtio16(vq->vdev, VRING_DESC_F_NEXT);
			desc[head].next = cpu_to_virtio16(vq->vdev, head);
		}
		desc[head].len = cpu_to_virtio32(vq->vdev, SZ_1K);
		avail->ring[idx % num] = cpu_to_virtio16(vq->vdev, head);
		idx++;
	}
	/* The entry before the index that makes the host read it. */
	smp_store_release(&avail->idx, cpu_to_virtio16(vq->vdev, idx));
	preempt_enable();
notify:
	mk_vm_notify(vq);
}

/* What a block request of the hook's own is made of, in the window. */
struct mk_vm_blk_req {
	struct virtio_blk_outhdr hdr;
	u8 data[SECTOR_SIZE];
	u8 status;
};

/* Not a status the device writes: the request is not answered yet. */
#define MK_VM_BLK_UNANSWERED	0xff

/* A data buffer no request may have: not a whole number of sectors. */
#define MK_VM_BLK_SHORT		100

/*
 * "blkro": a one-sector write to sector 0, behind the driver's back (it
 * would refuse it on a read-only disk); "blkend": a one-sector read just
 * past the end; "blkshort": a read of sector 0 into a buffer shorter
 * than a sector. All are well formed: the host must answer them with
 * VIRTIO_BLK_S_IOERR, not break the device. The three descriptors go into
 * the last slots of the table, behind the driver's back: a request of
 * the driver's in those slots is lost, and the answer leaves the
 * driver's queue broken ("not a head"). Restart the spawn after it.
 * Return: 0 for IOERR, -EPROTO for another answer, -ETIMEDOUT for none,
 * -EINVAL for "blkro" on a disk that is not read-only.
 */
static int mk_vm_break_blk(struct mk_vm_device *vm, struct virtqueue *vq,
			   const char *how)
{
	struct vring_avail *avail = phys_to_virt(virtqueue_get_avail_addr(vq));
	struct vring_desc *desc = phys_to_virt(virtqueue_get_desc_addr(vq));
	unsigned int num = virtqueue_get_vring_size(vq), head = num - 3;
	struct virtio_device *vdev = &vm->vdev;
	bool write = !strcmp(how, "blkro");
	struct mk_vm_blk_req *req;
	unsigned long deadline;
	dma_addr_t buf;
	__le64 capacity;
	u8 status;
	u16 idx;

	if (vm->desc.device_id != VIRTIO_ID_BLOCK || num < 3)
		return -ENODEV;
	/* A write to a writable disk would be served: refuse to test that. */
	if (write && !virtio_has_feature(vdev, VIRTIO_BLK_F_RO))
		return -EINVAL;
	req = dma_alloc_coherent(&vm->pdev->dev, sizeof(*req), &buf,
				 GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	mk_vm_get(vdev, offsetof(struct virtio_blk_config, capacity),
		  &capacity, sizeof(capacity));
	req->hdr.type = cpu_to_virtio32(vdev, write ? VIRTIO_BLK_T_OUT :
					VIRTIO_BLK_T_IN);
	req->hdr.sector = cpu_to_virtio64(vdev, strcmp(how, "blkend") ? 0 :
					  le64_to_cpu(capacity));
	memset(req->data, 0xa5, sizeof(req->data));
	req->status = MK_VM_BLK_UNANSWERED;

	desc[head].addr = cpu_to_virtio64(vdev, buf);
	desc[head].len = cpu_to_virtio32(vdev, sizeof(req->hdr));
	desc[head].flags = cpu_to_virtio16(vdev, VRING_DESC_F_NEXT);
	desc[head].next = cpu_to_virtio16(vdev, head + 1);
	desc[head + 1].addr = cpu_to_virtio64(vdev, buf +
					      offsetof(struct mk_vm_blk_req, data));
	desc[head + 1].len = cpu_to_virtio32(vdev, strcmp(how, "blkshort") ?
					     sizeof(req->data) :
					     MK_VM_BLK_SHORT);
	desc[head + 1].flags = cpu_to_virtio16(vdev, VRING_DESC_F_NEXT |
					       (write ? 0 : VRING_DESC_F_WRITE));
	desc[head + 1].next = cpu_to_virtio16(vdev, head + 2);
	desc[head + 2].addr = cpu_to_virtio64(vdev, buf +
					      offsetof(struct mk_vm_blk_req, status));
	desc[head + 2].len = cpu_to_virtio32(vdev, sizeof(req->status));
	desc[head + 2].flags = cpu_to_virtio16(vdev, VRING_DESC_F_WRITE);

	preempt_disable();
	idx = virtio16_to_cpu(vdev, READ_ONCE(avail->idx));
	avail->ring[idx % num] = cpu_to_virtio16(vdev, head);
	/* The descriptors and entry before the index that makes them seen. */
	smp_store_release(&avail->idx, cpu_to_virtio16(vdev, idx + 1));
	preempt_enable();
	mk_vm_notify(vq);

	deadline = jiffies + msecs_to_jiffies(MK_VM_BREAK_WAIT_MS);
	while ((status = READ_ONCE(req->status)) == MK_VM_BLK_UNANSWERED &&
	       time_before(jiffies, deadline))
		usleep_range(MK_VM_BREAK_POLL_US, 2 * MK_VM_BREAK_POLL_US);
	/* Unanswered, the host may still write it: leave it to the pool. */
	if (status == MK_VM_BLK_UNANSWERED)
		return -ETIMEDOUT;
	dma_free_coherent(&vm->pdev->dev, sizeof(*req), req, buf);
	return status == VIRTIO_BLK_S_IOERR ? 0 : -EPROTO;
}

/**
 * mk_virtio_test_break() - test hook: offer the host a malformed buffer
 * @device:	index of the device
 * @queue:	its virtqueue, one the driver set up
 * @how:	"addr": a descriptor outside the I/O window; "loop": a
 *		descriptor chained to itself; "jump": an available index
 *		that moves by more than the ring holds; "hdr": a network
 *		packet whose virtio_net_hdr asks for UDP fragmentation,
 *		which no device here offers; "blkro", "blkend" and
 *		"blkshort": a well-formed block request the host must refuse with
 *		VIRTIO_BLK_S_IOERR (see mk_vm_break_blk())
 *
 * Writes the descriptor into the last slot of the table and makes it
 * the next available buffer ("jump" writes none), then kicks, until the
 * host marks the device NEEDS_RESET. The driver does not know of it: a
 * buffer the driver adds meanwhile (a transfer in flight) takes the same
 * slot and index and can hide the hook's before the host reads it, so
 * it is offered again every %MK_VM_BREAK_RETRY_MS (further malformed
 * entries behind it change nothing). The driver's own bookkeeping is
 * left wrong: only a reset (or a new start) makes the device usable
 * again. The caller must keep the device bound meanwhile (the tests do:
 * nothing removes a spawn's virtio devices while it runs).
 *
 * Return: 0, -ENODEV without such a device or queue, -EINVAL for an
 * unknown @how, -ENOMEM, -ETIMEDOUT when the host did not mark the
 * device in %MK_VM_BREAK_WAIT_MS.
 */
int mk_virtio_test_break(unsigned int device, unsigned int queue,
			 const char *how)
{
	unsigned int offers = 0, max_offers;
	struct virtio_net_hdr *hdr = NULL;
	unsigned long deadline, retry;
	struct mk_vm_device *vm;
	struct virtqueue *vq;
	dma_addr_t buf = 0;
	int ret;

	if (device >= MK_VIRTIO_MAX_DEVICES || queue >= MK_VIRTIO_MAX_QUEUES)
		return -ENODEV;
	vm = READ_ONCE(mk_vm_devices[device]);
	vq = vm ? READ_ONCE(vm->vqs[queue]) : NULL;
	if (!vq)
		return -ENODEV;
	if (!strcmp(how, "blkro") || !strcmp(how, "blkend") ||
	    !strcmp(how, "blkshort")) {
		pr_warn("test hook: device %u queue %u: block request (%s) offered\n",
			device, queue, how);
		return mk_vm_break_blk(vm, vq, how);
	}
	if (strcmp(how, "jump") && strcmp(how, "addr") && strcmp(how, "loop") &&
	    strcmp(how, "hdr"))
		return -EINVAL;
	if (!strcmp(how, "hdr")) {
		/* In the window, from the restricted pool, zeroed. */
		hdr = dma_alloc_coherent(&vm->pdev->dev, SZ_1K, &buf, GFP_KERNEL);
		if (!hdr)
			return -ENOMEM;
		hdr->gso_type = VIRTIO_NET_HDR_GSO_UDP;
		hdr->gso_size = cpu_to_virtio16(&vm->vdev, ETH_DATA_LEN);
	}

	pr_warn("test hook: device %u queue %u: malformed buffer (%s) offered\n",
		device, queue, how);
	deadline = jiffies + msecs_to_jiffies(MK_VM_BREAK_WAIT_MS);
	retry = jiffies;
	/* Fewer than the ring holds, so that the host sees them all. */
	max_offers = virtqueue_get_vring_size(vq) / 2;
	for (;;) {
		if (mk_vm_get_status(&vm->vdev) & VIRTIO_CONFIG_S_NEEDS_RESET) {
			ret = 0;
			break;
		}
		if (time_after(jiffies, deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
		if (offers < max_offers && !time_before(jiffies, retry)) {
			mk_vm_break_offer(vq, how, buf, !offers++);
			retry = jiffies + msecs_to_jiffies(MK_VM_BREAK_RETRY_MS);
		}
		usleep_range(MK_VM_BREAK_POLL_US, 2 * MK_VM_BREAK_POLL_US);
	}
	/* The host reads no queue of a device that needs a reset. */
	if (hdr && !ret)
		dma_free_coherent(&vm->pdev->dev, SZ_1K, hdr, buf);
	return ret;
}
EXPORT_SYMBOL_GPL(mk_virtio_test_break);
#endif

/* The host poked a device: an answer, used buffers, a config change. */
static void mk_vm_on_poke(struct mk_channel *ch, u16 type, const void *payload,
			  u32 len)
{
	struct mk_virtio_poke poke;
	struct mk_vm_device *vm;
	struct virtqueue *vq;
	unsigned long pending;
	unsigned int q;
	u32 index;

	if (len != sizeof(poke))
		return;
	memcpy(&poke, payload, sizeof(poke));
	index = le32_to_cpu(poke.device);
	if (index >= MK_VIRTIO_MAX_DEVICES)
		return;
	vm = READ_ONCE(mk_vm_devices[index]);
	if (!vm)
		return;
	/* Requests wait for this: acks need no bit of their own. */
	wake_up(&vm->ack_wait);
	pending = mk_virtio_take_pending(&vm->ctrl->irq_pending);
	for_each_set_bit(q, &pending, vm->desc.num_queues) {
		vq = READ_ONCE(vm->vqs[q]);
		if (vq)
			vring_interrupt(0, vq);
	}
	if (pending & BIT(MK_VIRTIO_IRQ_CONFIG))
		virtio_config_changed(&vm->vdev);
}

static void mk_vm_release(struct device *dev)
{
	/* Devices live as long as the kernel; nothing to free. */
}

static int __init mk_vm_add(const struct mk_virtio_handover *desc)
{
	struct mk_vm_device *vm;
	int ret;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	vm->desc = *desc;
	vm->ctrl = mk_spawn_virtio_ctrl(desc->index);
	mutex_init(&vm->req_lock);
	init_waitqueue_head(&vm->ack_wait);
	if (!vm->ctrl ||
	    le32_to_cpu(READ_ONCE(vm->ctrl->magic)) != MK_VIRTIO_MAGIC) {
		pr_err("device %u: no control block\n", desc->index);
		ret = -ENODEV;
		goto out_free;
	}

	vm->pdev = platform_device_register_simple("multikernel-virtio",
						   desc->index, NULL, 0);
	if (IS_ERR(vm->pdev)) {
		ret = PTR_ERR(vm->pdev);
		goto out_free;
	}
	ret = dma_coerce_mask_and_coherent(&vm->pdev->dev, DMA_BIT_MASK(64));
	ret = ret ?: swiotlb_restricted_pool_attach(&mk_vm_iowin,
						    &vm->pdev->dev);
	if (ret)
		goto out_pdev;

	vm->vdev.dev.parent = &vm->pdev->dev;
	vm->vdev.dev.release = mk_vm_release;
	vm->vdev.config = &mk_vm_config_ops;
	vm->vdev.id.device = desc->device_id;
	vm->vdev.id.vendor = VIRTIO_DEV_ANY_ID;
	WRITE_ONCE(mk_vm_devices[desc->index], vm);
	ret = register_virtio_device(&vm->vdev);
	if (ret) {
		WRITE_ONCE(mk_vm_devices[desc->index], NULL);
		put_device(&vm->vdev.dev);
		goto out_pdev;
	}
	return 0;

out_pdev:
	platform_device_unregister(vm->pdev);
out_free:
	kfree(vm);
	return ret;
}

static int __init mk_vm_init(void)
{
	const struct mk_spawn_info *info = multikernel_spawn;
	unsigned int i;
	int ret;

	if (!info || !info->nr_virtio)
		return 0;
	/* The pool needs it in the linear map, kept from the allocator. */
	if (!memblock_is_region_reserved(info->iowin_base, info->iowin_size) ||
	    !memblock_is_region_memory(info->iowin_base, info->iowin_size)) {
		pr_err("the I/O window %#llx+%#llx is not reserved RAM: no virtio devices\n",
		       info->iowin_base, info->iowin_size);
		return -EINVAL;
	}
	mk_vm_iowin.base = info->iowin_base;
	mk_vm_iowin.size = info->iowin_size;
	ret = mk_msg_register_handler(MK_MSG_VIRTIO, mk_vm_on_poke);
	if (ret) {
		pr_err("cannot take the virtio messages (%d)\n", ret);
		return ret;
	}
	for (i = 0; i < info->nr_virtio; i++) {
		ret = mk_vm_add(&info->virtio[i]);
		if (ret)
			pr_err("device %u (virtio id %u) not added (%d)\n",
			       info->virtio[i].index, info->virtio[i].device_id,
			       ret);
	}
	return 0;
}

/* After the shared area is mapped, before the drivers' own initcalls run. */
subsys_initcall(mk_vm_init);

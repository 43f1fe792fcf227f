// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel virtio, device side (the host): the control block of each
 * device an instance is served, its virtqueues read with vringh through
 * an IOTLB that maps exactly the instance's I/O window, and the pokes
 * that carry requests, kicks and interrupts over the mailbox.
 *
 * Everything a spawn writes is untrusted. A request that does not make
 * sense is refused with an errno in ack_result; a ring that vringh finds
 * malformed (an address outside the window, a descriptor loop, a length
 * overflow) marks the device NEEDS_RESET: its queues are not looked
 * at again until the driver resets it. Neither ever touches anything of
 * the host's but the window and the control block.
 *
 * Requests and kicks are handled in a work item, never in the doorbell
 * interrupt; the backends' own paths (a netdev's transmit) use the
 * queues under the queue's lock.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/bvec.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/multikernel.h>
#include <linux/slab.h>
#include <linux/vhost_iotlb.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/vringh.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_config.h>

#include "internal.h"

/* Descriptors a request may chain before vringh grows its iov arrays. */
#define MK_VQ_IOV_STACK		16

static struct mk_virtio_ctrl *mk_vdev_ctrl(struct mk_vdev *vd)
{
	return phys_to_virt(vd->inst->shared_base + MK_SHARED_VIRTIO +
			    vd->index * MK_VIRTIO_CTRL_SIZE);
}

/**
 * mk_vdev_describe() - what the handover FDT says about a device
 * @vd:		the device
 * @v:		filled in
 */
void mk_vdev_describe(struct mk_vdev *vd, struct mk_virtio_handover *v)
{
	v->index = vd->index;
	v->device_id = vd->ops->device_id;
	v->features = vd->offered;
	v->num_queues = vd->num_queues;
	v->queue_size_max = MK_VDEV_QUEUE_SIZE_MAX;
	v->config_size = vd->ops->config_size;
}

/* Tell the driver: used buffers on @queue (or a config change). */
static void mk_vdev_poke(struct mk_vdev *vd)
{
	struct mk_virtio_poke poke = { .device = cpu_to_le32(vd->index) };

	bool failed = mk_channel_send(&vd->inst->chan, MK_MSG_VIRTIO, &poke,
				      sizeof(poke));

	if (failed)
		vd->stats.lost_pokes++;
	WRITE_ONCE(vd->poke_failed, failed);
}

/**
 * mk_vdev_interrupt() - raise a device's used-buffer interrupt
 * @vd:		the device
 * @queue:	the queue with new used buffers, or %MK_VIRTIO_IRQ_CONFIG
 *
 * A burst costs one poke: only the first bit set since the driver last
 * looked sends one. Callable from any context but NMI.
 */
void mk_vdev_interrupt(struct mk_vdev *vd, unsigned int queue)
{
	if (!READ_ONCE(vd->running))
		return;
	atomic64_inc(&vd->stats.interrupts);
	if (!mk_virtio_set_pending(&vd->ctrl->irq_pending, queue) ||
	    READ_ONCE(vd->poke_failed))
		mk_vdev_poke(vd);
}

/* What the driver reads as the device status. Status lock held. */
static void mk_vdev_publish_status(struct mk_vdev *vd)
{
	u32 status = vd->status;

	lockdep_assert_held(&vd->status_lock);
	if (vd->needs_reset)
		status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	WRITE_ONCE(vd->ctrl->device_status, cpu_to_le32(status));
}

/**
 * mk_vdev_broken() - the driver broke the protocol: NEEDS_RESET
 * @vd:		the device
 * @why:	what it did, for stats and the log
 *
 * The device's queues are not read again until the driver resets it.
 */
void mk_vdev_broken(struct mk_vdev *vd, const char *why)
{
	unsigned long flags;

	spin_lock_irqsave(&vd->status_lock, flags);
	if (vd->needs_reset) {
		spin_unlock_irqrestore(&vd->status_lock, flags);
		return;
	}
	WRITE_ONCE(vd->needs_reset, true);
	vd->broken_why = why;
	vd->stats.needs_reset++;
	mk_vdev_publish_status(vd);
	if (vd->ops->broken) {
		vd->ops->broken(vd, vd->ctrl->config);
		WRITE_ONCE(vd->ctrl->config_generation,
			   cpu_to_le32(le32_to_cpu(vd->ctrl->config_generation) + 1));
	}
	spin_unlock_irqrestore(&vd->status_lock, flags);
	pr_warn_ratelimited("%s: virtio device %u: %s: needs reset\n",
			    vd->inst->name, vd->index, why);
	mk_vdev_interrupt(vd, MK_VIRTIO_IRQ_CONFIG);
}

/**
 * mk_vq_usable() - may a queue be read now?
 * @vd:		the device
 * @vq:		one of its queues, with its lock held
 *
 * Return: true when the driver set it up, said DRIVER_OK and has not
 * broken the device since.
 */
bool mk_vq_usable(struct mk_vdev *vd, struct mk_vq *vq)
{
	lockdep_assert_held(&vq->lock);
	return vq->ready && READ_ONCE(vd->running) &&
	       (READ_ONCE(vd->status) & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !READ_ONCE(vd->needs_reset);
}

static void mk_vq_drop(struct mk_vq *vq)
{
	unsigned long flags;

	spin_lock_irqsave(&vq->lock, flags);
	vq->ready = false;
	spin_unlock_irqrestore(&vq->lock, flags);
}

/**
 * mk_vdev_iov_to_bvec() - a driver's buffers as pages, for I/O in place
 * @vd:		the device
 * @iov:	buffers from vringh_getdesc_iotlb(), from its current position
 * @len:	bytes of them to take; @iov is not advanced
 * @to_driver:	the device writes them (the driver reads)
 * @bvec:	filled in
 * @max:	entries at @bvec
 *
 * Each buffer is looked up in the device's IOTLB, as vringh's own copies
 * are, so that only the I/O window is reachable; the window is pool
 * memory, in the host's direct map with its struct pages.
 *
 * Return: entries used; -EFAULT for a buffer outside the window, or one
 * the device may not write when @to_driver; -E2BIG when @max are too
 * few; -EINVAL when @iov holds fewer than @len bytes.
 */
int mk_vdev_iov_to_bvec(struct mk_vdev *vd, const struct vringh_kiov *iov,
			size_t len, bool to_driver, struct bio_vec *bvec,
			unsigned int max)
{
	u32 perm = to_driver ? VHOST_MAP_WO : VHOST_MAP_RO;
	struct vhost_iotlb_map *map;
	unsigned int i = iov->i, n = 0;
	u64 addr, size, last, chunk;
	unsigned long flags;
	phys_addr_t pa;

	while (len) {
		if (i >= iov->used)
			return -EINVAL;
		addr = (u64)(uintptr_t)iov->iov[i].iov_base;
		size = min_t(u64, len, iov->iov[i].iov_len);
		i++;
		while (size) {
			if (check_add_overflow(addr, size - 1, &last))
				return -EFAULT;
			/* As vringh takes it: in a NIC's NAPI poll, too. */
			spin_lock_irqsave(&vd->iotlb_lock, flags);
			map = vhost_iotlb_itree_first(vd->iotlb, addr, last);
			if (!map || map->start > addr ||
			    (map->perm & perm) != perm) {
				spin_unlock_irqrestore(&vd->iotlb_lock, flags);
				return -EFAULT;
			}
			pa = map->addr + (addr - map->start);
			chunk = min(size, map->last - addr + 1);
			spin_unlock_irqrestore(&vd->iotlb_lock, flags);
			if (!pfn_valid(PHYS_PFN(pa)) ||
			    !pfn_valid(PHYS_PFN(pa + chunk - 1)))
				return -EFAULT;
			if (n == max)
				return -E2BIG;
			bvec_set_page(&bvec[n++], pfn_to_page(PHYS_PFN(pa)),
				      chunk, offset_in_page(pa));
			addr += chunk;
			size -= chunk;
			len -= chunk;
		}
	}
	return n;
}

/* The window in driver (spawn physical) addresses; vringh's IOTLB maps it. */
static bool mk_vdev_in_window(struct mk_vdev *vd, u64 addr, u64 len)
{
	u64 end;

	return !check_add_overflow(addr, len, &end) &&
	       addr >= vd->inst->iowin_base &&
	       end <= vd->inst->iowin_base + vd->inst->iowin_size;
}

static int mk_vdev_queue_setup(struct mk_vdev *vd, u32 index)
{
	struct mk_virtio_queue q;
	struct mk_vq *vq;
	unsigned long flags;
	u64 desc, avail, used;
	u32 num;
	int ret;

	if (index >= vd->num_queues)
		return -EINVAL;
	vq = &vd->vqs[index];
	memcpy(&q, &vd->ctrl->queues[index], sizeof(q));
	num = le32_to_cpu(q.size);
	desc = le64_to_cpu(q.desc);
	avail = le64_to_cpu(q.driver);
	used = le64_to_cpu(q.device);

	mk_vq_drop(vq);
	if (!num)
		return 0;
	if (!(vd->status & VIRTIO_CONFIG_S_FEATURES_OK) ||
	    !is_power_of_2(num) || num > MK_VDEV_QUEUE_SIZE_MAX ||
	    !IS_ALIGNED(desc, 16) || !IS_ALIGNED(avail, 2) ||
	    !IS_ALIGNED(used, 4) ||
	    !mk_vdev_in_window(vd, desc, vring_size(num, 1)) ||
	    !mk_vdev_in_window(vd, avail, sizeof(struct vring_avail) +
			       (num + 1) * sizeof(__virtio16)) ||
	    !mk_vdev_in_window(vd, used, sizeof(struct vring_used) +
			       num * sizeof(struct vring_used_elem) +
			       sizeof(__virtio16)))
		return -EINVAL;

	spin_lock_irqsave(&vq->lock, flags);
	ret = vringh_init_iotlb(&vq->vrh, vd->features, num, true,
				(struct vring_desc *)(uintptr_t)desc,
				(struct vring_avail *)(uintptr_t)avail,
				(struct vring_used *)(uintptr_t)used);
	if (!ret) {
		vringh_set_iotlb(&vq->vrh, vd->iotlb, &vd->iotlb_lock);
		vq->ready = true;
	}
	spin_unlock_irqrestore(&vq->lock, flags);
	return ret;
}

/* Back to the state after power-on: nothing negotiated, no queues. */
static void mk_vdev_reset(struct mk_vdev *vd)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < vd->num_queues; i++)
		mk_vq_drop(&vd->vqs[i]);
	if (vd->status & VIRTIO_CONFIG_S_DRIVER_OK)
		vd->ops->stop(vd);
	vd->features = 0;
	spin_lock_irqsave(&vd->status_lock, flags);
	WRITE_ONCE(vd->status, 0);
	WRITE_ONCE(vd->needs_reset, false);
	vd->broken_why = NULL;
	mk_vdev_publish_status(vd);
	spin_unlock_irqrestore(&vd->status_lock, flags);
}

static int mk_vdev_set_status(struct mk_vdev *vd, u32 status)
{
	u32 old = vd->status;
	unsigned long flags;

	if (!status) {
		vd->stats.resets++;
		mk_vdev_reset(vd);
		return 0;
	}
	/* Bits only go on until a reset; FAILED needs no answer. */
	if ((old & ~status) || (status & VIRTIO_CONFIG_S_NEEDS_RESET))
		return -EINVAL;
	/* Modern only, and only through the DMA API: the I/O window. */
	if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    (!(vd->features & BIT_ULL(VIRTIO_F_VERSION_1)) ||
	     !(vd->features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM))))
		status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	/*
	 * NEEDS_RESET that a data path set meanwhile stays in what the
	 * driver reads: both publish under the status lock.
	 */
	spin_lock_irqsave(&vd->status_lock, flags);
	WRITE_ONCE(vd->status, status);
	mk_vdev_publish_status(vd);
	spin_unlock_irqrestore(&vd->status_lock, flags);
	if ((status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    !(old & VIRTIO_CONFIG_S_DRIVER_OK))
		vd->ops->start(vd);
	return 0;
}

static int mk_vdev_set_features(struct mk_vdev *vd)
{
	u64 features = le64_to_cpu(READ_ONCE(vd->ctrl->driver_features));

	if (vd->status & VIRTIO_CONFIG_S_FEATURES_OK)
		return -EBUSY;
	if (features & ~vd->offered)
		return -EINVAL;
	vd->features = features;
	return 0;
}

static int mk_vdev_request(struct mk_vdev *vd, u32 op, u32 arg)
{
	vd->stats.requests++;
	switch (op) {
	case MK_VIRTIO_OP_STATUS:
		return mk_vdev_set_status(vd, arg);
	case MK_VIRTIO_OP_FEATURES:
		return mk_vdev_set_features(vd);
	case MK_VIRTIO_OP_QUEUE:
		return mk_vdev_queue_setup(vd, arg);
	default:
		return -EOPNOTSUPP;
	}
}

static void mk_vdev_work(struct work_struct *work)
{
	struct mk_vdev *vd = container_of(work, struct mk_vdev, work);
	struct mk_virtio_ctrl *ctrl = vd->ctrl;
	unsigned long kicked;
	unsigned int q;
	u32 seq;
	int ret;

	mutex_lock(&vd->lock);
	if (!READ_ONCE(vd->running))
		goto out;
	/* Pairs with the driver's release of req_seq. */
	seq = le32_to_cpu(smp_load_acquire(&ctrl->req_seq));
	if (seq != vd->handled_seq) {
		ret = mk_vdev_request(vd, le32_to_cpu(READ_ONCE(ctrl->req_op)),
				      le32_to_cpu(READ_ONCE(ctrl->req_arg)));
		vd->handled_seq = seq;
		WRITE_ONCE(ctrl->ack_result, cpu_to_le32(-ret));
		/* The result before the driver sees its request answered. */
		smp_store_release(&ctrl->ack_seq, cpu_to_le32(seq));
		mk_vdev_poke(vd);
	}

	kicked = mk_virtio_take_pending(&ctrl->notify_pending);
	if (kicked & ~GENMASK(vd->num_queues - 1, 0))
		vd->stats.bad_kicks++;
	for_each_set_bit(q, &kicked, vd->num_queues) {
		vd->stats.kicks++;
		vd->ops->kick(vd, q);
	}
out:
	mutex_unlock(&vd->lock);
}

/**
 * mk_vdev_poked() - the driver poked a device: a request or a kick
 * @inst:	the instance whose mailbox carried the poke
 * @index:	the device, as the spawn said: checked here
 *
 * Called in the doorbell interrupt: only schedules the device's work.
 */
void mk_vdev_poked(struct mk_instance *inst, u32 index)
{
	struct mk_vdev *vd;

	if (index >= inst->nr_vdevs)
		return;
	vd = inst->vdevs[index];
	if (READ_ONCE(vd->running))
		queue_work(system_unbound_wq, &vd->work);
}

/**
 * mk_vdev_create() - a virtio device for an instance being created
 * @inst:	the instance, with its I/O window allocated
 * @ops:	the device's backend
 * @priv:	for the backend
 *
 * Return: the device, or an ERR_PTR: -ENOSPC for too many devices,
 * -ENOMEM.
 */
struct mk_vdev *mk_vdev_create(struct mk_instance *inst,
			       const struct mk_vdev_ops *ops, void *priv)
{
	struct mk_vdev *vd;
	unsigned int i;
	int ret;

	if (inst->nr_vdevs >= MK_VIRTIO_MAX_DEVICES)
		return ERR_PTR(-ENOSPC);
	vd = kzalloc(sizeof(*vd), GFP_KERNEL);
	if (!vd)
		return ERR_PTR(-ENOMEM);
	vd->iotlb = vhost_iotlb_alloc(1, 0);
	if (!vd->iotlb) {
		ret = -ENOMEM;
		goto out_free;
	}
	/* IOVA = the spawn's physical address; nothing else is reachable. */
	ret = vhost_iotlb_add_range(vd->iotlb, inst->iowin_base,
				    inst->iowin_base + inst->iowin_size - 1,
				    inst->iowin_base, VHOST_MAP_RW);
	if (ret)
		goto out_iotlb;
	spin_lock_init(&vd->iotlb_lock);
	mutex_init(&vd->lock);
	spin_lock_init(&vd->status_lock);
	INIT_WORK(&vd->work, mk_vdev_work);
	for (i = 0; i < MK_VIRTIO_MAX_QUEUES; i++)
		spin_lock_init(&vd->vqs[i].lock);
	vd->inst = inst;
	vd->index = inst->nr_vdevs;
	vd->ops = ops;
	vd->offered = ops->features;
	vd->num_queues = ops->num_queues;
	vd->priv = priv;
	inst->vdevs[inst->nr_vdevs++] = vd;
	return vd;

out_iotlb:
	vhost_iotlb_free(vd->iotlb);
out_free:
	kfree(vd);
	return ERR_PTR(ret);
}

/**
 * mk_vdev_free() - free a device made by mk_vdev_create()
 * @vd:		the device, stopped; its backend already gone
 */
void mk_vdev_free(struct mk_vdev *vd)
{
	cancel_work_sync(&vd->work);
	vhost_iotlb_free(vd->iotlb);
	kfree(vd);
}

/**
 * mk_vdevs_destroy() - remove an instance's virtio devices
 * @inst:	the instance, not running
 *
 * Each backend frees itself and its device, the last made first.
 */
void mk_vdevs_destroy(struct mk_instance *inst)
{
	struct mk_vdev *vd;

	while (inst->nr_vdevs) {
		vd = inst->vdevs[--inst->nr_vdevs];
		inst->vdevs[inst->nr_vdevs] = NULL;
		vd->ops->remove(vd);
	}
}

/**
 * mk_vdevs_start() - power the instance's virtio devices on for a start
 * @inst:	the instance, its shared area being prepared
 *
 * Writes each control block afresh: a new start is a new device.
 */
void mk_vdevs_start(struct mk_instance *inst)
{
	struct mk_virtio_ctrl *ctrl;
	struct mk_vdev *vd;
	unsigned int i;

	for (i = 0; i < inst->nr_vdevs; i++) {
		vd = inst->vdevs[i];
		ctrl = mk_vdev_ctrl(vd);
		mutex_lock(&vd->lock);
		memset(ctrl, 0, MK_VIRTIO_CTRL_SIZE);
		vd->ctrl = ctrl;
		vd->handled_seq = 0;
		mk_vdev_reset(vd);
		vd->ops->fill_config(vd, ctrl->config);
		ctrl->magic = cpu_to_le32(MK_VIRTIO_MAGIC);
		WRITE_ONCE(vd->running, true);
		mutex_unlock(&vd->lock);
	}
}

/**
 * mk_vdevs_stop() - the spawn is gone: reset its virtio devices
 * @inst:	the instance, its CPUs stopped
 *
 * What was in flight is dropped; nothing waits for the spawn.
 */
void mk_vdevs_stop(struct mk_instance *inst)
{
	struct mk_vdev *vd;
	unsigned int i;

	for (i = 0; i < inst->nr_vdevs; i++) {
		vd = inst->vdevs[i];
		WRITE_ONCE(vd->running, false);
		cancel_work_sync(&vd->work);
		mutex_lock(&vd->lock);
		if (vd->ctrl)
			mk_vdev_reset(vd);
		mutex_unlock(&vd->lock);
	}
}

/**
 * mk_vdevs_watch() - retry what the mailbox refused
 * @inst:	the running instance, from its periodic watch
 *
 * An interrupt whose poke found the ring full would otherwise wait for
 * the next one, which may never come.
 */
void mk_vdevs_watch(struct mk_instance *inst)
{
	struct mk_vdev *vd;
	unsigned int i;

	for (i = 0; i < inst->nr_vdevs; i++) {
		vd = inst->vdevs[i];
		if (READ_ONCE(vd->running) && READ_ONCE(vd->poke_failed))
			mk_vdev_poke(vd);
	}
}

/**
 * mk_vdevs_show() - the virtio devices' counters, for stats
 * @inst:	the instance
 * @buf:	where to print
 * @len:	room at @buf
 *
 * Return: bytes printed.
 */
int mk_vdevs_show(struct mk_instance *inst, char *buf, int len)
{
	struct mk_vdev *vd;
	unsigned int i;
	int n = 0;

	for (i = 0; i < inst->nr_vdevs; i++) {
		vd = inst->vdevs[i];
		n += scnprintf(buf + n, len - n,
			       "virtio%u_device %u\nvirtio%u_status 0x%x\nvirtio%u_requests %llu\nvirtio%u_kicks %llu\nvirtio%u_bad_kicks %llu\nvirtio%u_interrupts %llu\nvirtio%u_lost_pokes %llu\nvirtio%u_resets %llu\nvirtio%u_needs_reset %llu\nvirtio%u_needs_reset_why %s\n",
			       i, vd->ops->device_id, i, vd->status,
			       i, vd->stats.requests, i, vd->stats.kicks,
			       i, vd->stats.bad_kicks,
			       i, (u64)atomic64_read(&vd->stats.interrupts),
			       i, vd->stats.lost_pokes,
			       i, vd->stats.resets, i, vd->stats.needs_reset,
			       i, vd->broken_why ?: "none");
		if (vd->ops->show)
			n += vd->ops->show(vd, buf + n, len - n);
	}
	return n;
}

static void mk_host_on_virtio(struct mk_channel *ch, u16 type,
			      const void *payload, u32 len)
{
	struct mk_virtio_poke poke;

	if (len != sizeof(poke))
		return;
	memcpy(&poke, payload, sizeof(poke));
	mk_vdev_poked(container_of(ch, struct mk_instance, chan),
		      le32_to_cpu(poke.device));
}

static int __init mk_virtio_host_init(void)
{
	if (multikernel_is_spawn() || !mk_pool_reserved())
		return 0;
	return mk_msg_register_handler(MK_MSG_VIRTIO, mk_host_on_virtio);
}
late_initcall(mk_virtio_host_init);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel virtio-blk, device side: a disk=PATH[,ro] of a create line
 * is a virtio disk in the spawn (/dev/vda, vdb, ...) served from a
 * regular file or a block device the host opens at create and keeps
 * open until destroy.
 *
 * Requests are read with vringh through the device's IOTLB, like every
 * multikernel virtio device's, so a spawn can reach nothing of the
 * host's but its I/O window. Their data is not copied into host memory:
 * the window's pages are handed to the file's read_iter or write_iter
 * as a bio_vec iterator, so the only copy is the one between the host's
 * page cache and the window. A FLUSH is vfs_fsync() of the file.
 *
 * Each spawn CPU gets a queue (VIRTIO_BLK_F_MQ, up to
 * %MK_VIRTIO_MAX_QUEUES), and each queue a work item: the queues of one
 * disk are served in parallel, the requests of one queue in order, each
 * completed when its data is in the host's page cache (or, for a FLUSH,
 * on stable storage).
 *
 * A request that cannot be read (no header, no status byte, a buffer
 * outside the window, a malformed ring) makes the device NEEDS_RESET; a
 * request that can be read but not served (out of range, a write to a
 * read-only disk, too many segments, a host I/O error) is answered with
 * VIRTIO_BLK_S_IOERR or VIRTIO_BLK_S_UNSUPP and counted.
 *
 * Sharing: a read-only disk may be given to several instances at once; a
 * read-write one to one instance only, and not while another instance
 * has it read-only. See mk_vblk_claim().
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/bvec.h>
#include <linux/blkdev.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/multikernel.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/virtio_byteorder.h>
#include <linux/vringh.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_ring.h>

#include "internal.h"

/*
 * Data segments per request (seg_max): a request is a header, this many
 * buffers and a status byte, so a 256-entry ring holds three of the
 * longest at once. Without indirect descriptors more would starve the
 * ring; fewer would split the spawn's I/O (a segment is up to 256 KiB,
 * swiotlb's longest mapping).
 */
#define MK_VBLK_SEG_MAX		64
/* Descriptors a request may chain before vringh allocates a longer iov. */
#define MK_VBLK_IOV		(MK_VBLK_SEG_MAX + 2)
/* Requests a queue's work serves before it makes room for others. */
#define MK_VBLK_BUDGET		64
/* One range per DISCARD or WRITE_ZEROES: the driver splits longer lists. */
#define MK_VBLK_RANGES_MAX	1
/* Most sectors one DISCARD or WRITE_ZEROES may cover: 1 GiB. */
#define MK_VBLK_RANGE_SECTORS	(SZ_1G >> SECTOR_SHIFT)
/*
 * What GET_ID answers: the disk's serial, its first VIRTIO_BLK_ID_BYTES
 * (the index first, so that a long instance name cannot make two of an
 * instance's disks look alike).
 */
#define MK_VBLK_SERIAL_FMT	"mk%u-%s"

#define MK_VBLK_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) | \
				 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) | \
				 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | \
				 BIT_ULL(VIRTIO_BLK_F_SEG_MAX) | \
				 BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) | \
				 BIT_ULL(VIRTIO_BLK_F_FLUSH) | \
				 BIT_ULL(VIRTIO_BLK_F_MQ))

/* What a request handler returns when the request could not be read. */
#define MK_VBLK_BROKEN		(-1)

/**
 * struct mk_vblk_stats - what one queue counts; stats shows the sums
 * @reads:	IN requests served
 * @writes:	OUT requests served
 * @flushes:	FLUSH requests served
 * @trims:	DISCARD and WRITE_ZEROES requests served
 * @bytes_read:	bytes read from the backing store for the spawn
 * @bytes_written: bytes written to it for the spawn
 * @io_errors:	requests the backing store failed (VIRTIO_BLK_S_IOERR)
 * @bad_requests: requests refused as out of range, read-only or badly
 *		shaped (VIRTIO_BLK_S_IOERR or VIRTIO_BLK_S_UNSUPP)
 */
struct mk_vblk_stats {
	u64 reads;
	u64 writes;
	u64 flushes;
	u64 trims;
	u64 bytes_read;
	u64 bytes_written;
	u64 io_errors;
	u64 bad_requests;
};

/**
 * struct mk_vblk_queue - one queue's server
 * @vb:		its disk
 * @index:	its queue
 * @work:	serves the queue; one at a time, so the fields below are its
 * @riov:	the request's driver-written buffers
 * @wiov:	the request's device-written buffers
 * @rstack:	@riov's first entries
 * @wstack:	@wiov's first entries
 * @bvec:	the data buffers, as pages of the I/O window
 * @stats:	its counters
 */
struct mk_vblk_queue {
	struct mk_vblk *vb;
	unsigned int index;
	struct work_struct work;
	struct vringh_kiov riov;
	struct vringh_kiov wiov;
	struct kvec rstack[MK_VBLK_IOV];
	struct kvec wstack[MK_VBLK_IOV];
	struct bio_vec bvec[MK_VBLK_SEG_MAX];
	struct mk_vblk_stats stats;
};

/**
 * struct mk_vblk - a virtio disk
 * @vd:		its virtio device
 * @node:	in mk_vblk_disks, under mk_vblk_mutex
 * @file:	the backing store, open for the instance's life
 * @key:	what identifies the backing store across opens: its inode
 *		(a block device's inode for a block device)
 * @owner:	the instance's name, for messages
 * @ro:		read-only
 * @is_bdev:	@file is a block device, opened exclusively
 * @denied_write: a regular file read-only: writes on the host are
 *		refused (deny_write_access()) until destroy
 * @sectors:	its size in 512-byte sectors
 * @blk_size:	its logical block size
 * @path:	as the create line gave it
 * @q:		one per queue
 */
struct mk_vblk {
	struct mk_vdev *vd;
	struct list_head node;
	struct file *file;
	struct inode *key;
	const char *owner;
	bool ro;
	bool is_bdev;
	bool denied_write;
	u64 sectors;
	u32 blk_size;
	char path[MK_DISK_PATH_MAX];
	struct mk_vblk_queue q[MK_VIRTIO_MAX_QUEUES];
};

/* Every disk of every instance: the sharing rules are checked here. */
static DEFINE_MUTEX(mk_vblk_mutex);
static LIST_HEAD(mk_vblk_disks);

static struct mk_vblk *mk_vblk_of(struct mk_vdev *vd)
{
	return vd->priv;
}

static bool mk_vblk_offers(struct mk_vblk *vb, unsigned int feature)
{
	return vb->vd->offered & BIT_ULL(feature);
}

/* Bytes left in what vringh returned, from its current position. */
static size_t mk_vblk_iov_len(const struct vringh_kiov *iov)
{
	size_t len = 0;
	unsigned int i;

	for (i = iov->i; i < iov->used; i++)
		len += iov->iov[i].iov_len;
	return len;
}

/*
 * vringh's copies through the IOTLB, under the queue's lock as every
 * backend's: its IOTLB lock is then never taken with interrupts on.
 * Return: 0, or -EFAULT for a buffer outside the window.
 */
static int mk_vblk_pull(struct mk_vblk_queue *q, struct mk_vq *vq, void *dst,
			size_t len)
{
	unsigned long flags;
	ssize_t got;

	spin_lock_irqsave(&vq->lock, flags);
	got = vringh_iov_pull_iotlb(&vq->vrh, &q->riov, dst, len);
	spin_unlock_irqrestore(&vq->lock, flags);
	return got == len ? 0 : -EFAULT;
}

static int mk_vblk_push(struct mk_vblk_queue *q, struct mk_vq *vq,
			const void *src, size_t len)
{
	unsigned long flags;
	ssize_t put;

	spin_lock_irqsave(&vq->lock, flags);
	put = vringh_iov_push_iotlb(&vq->vrh, &q->wiov, src, len);
	spin_unlock_irqrestore(&vq->lock, flags);
	return put == len ? 0 : -EFAULT;
}

/* May @nr_bytes at @sector be read or written? */
static bool mk_vblk_in_range(struct mk_vblk *vb, u64 sector, u64 nr_bytes)
{
	u64 nr = nr_bytes >> SECTOR_SHIFT;

	return IS_ALIGNED(nr_bytes, SECTOR_SIZE) && sector <= vb->sectors &&
	       nr <= vb->sectors - sector;
}

/*
 * Read or write @len bytes at sector @sector between the backing store
 * and the driver's buffers @iov, in place. Return: a virtio_blk status,
 * or MK_VBLK_BROKEN for a buffer outside the window.
 */
static int mk_vblk_rw(struct mk_vblk_queue *q, struct vringh_kiov *iov,
		      u64 sector, size_t len, bool write)
{
	struct mk_vblk *vb = q->vb;
	struct iov_iter iter;
	loff_t pos = sector << SECTOR_SHIFT;
	ssize_t ret;
	int n;

	if (!mk_vblk_in_range(vb, sector, len)) {
		q->stats.bad_requests++;
		return VIRTIO_BLK_S_IOERR;
	}
	n = mk_vdev_iov_to_bvec(vb->vd, iov, len, !write, q->bvec,
				ARRAY_SIZE(q->bvec));
	if (n == -E2BIG) {
		q->stats.bad_requests++;
		return VIRTIO_BLK_S_IOERR;
	}
	if (n < 0)
		return MK_VBLK_BROKEN;
	iov_iter_bvec(&iter, write ? ITER_SOURCE : ITER_DEST, q->bvec, n, len);
	while (iov_iter_count(&iter)) {
		if (write)
			ret = vfs_iter_write(vb->file, &iter, &pos, 0);
		else
			ret = vfs_iter_read(vb->file, &iter, &pos, 0);
		/* 0: the file shrank under the disk. */
		if (ret <= 0) {
			pr_warn_ratelimited("%s: disk %s: %s of %zu bytes at sector %llu failed (%zd)\n",
					    vb->owner, vb->path,
					    write ? "write" : "read", len,
					    sector, ret);
			q->stats.io_errors++;
			return VIRTIO_BLK_S_IOERR;
		}
	}
	if (write) {
		q->stats.writes++;
		q->stats.bytes_written += len;
	} else {
		q->stats.reads++;
		q->stats.bytes_read += len;
	}
	return VIRTIO_BLK_S_OK;
}

/* Zeroes written the long way, where the backing store cannot punch. */
static int mk_vblk_write_zeroes(struct mk_vblk *vb, loff_t pos, u64 len)
{
	struct bio_vec bv;
	struct iov_iter iter;
	ssize_t ret;

	while (len) {
		bvec_set_page(&bv, ZERO_PAGE(0), min_t(u64, len, PAGE_SIZE), 0);
		iov_iter_bvec(&iter, ITER_SOURCE, &bv, 1, bv.bv_len);
		ret = vfs_iter_write(vb->file, &iter, &pos, 0);
		if (ret <= 0)
			return ret ?: -EIO;
		len -= ret;
		cond_resched();
	}
	return 0;
}

/* DISCARD or WRITE_ZEROES: one range, in @q's driver-written buffers. */
static int mk_vblk_trim(struct mk_vblk_queue *q, struct mk_vq *vq, u32 type,
			size_t rlen)
{
	struct virtio_blk_discard_write_zeroes range;
	struct mk_vblk *vb = q->vb;
	bool zeroes = type == VIRTIO_BLK_T_WRITE_ZEROES;
	u32 flags, nr;
	u64 sector;
	int mode, ret;

	if (!mk_vblk_offers(vb, zeroes ? VIRTIO_BLK_F_WRITE_ZEROES :
				    VIRTIO_BLK_F_DISCARD)) {
		q->stats.bad_requests++;
		return VIRTIO_BLK_S_UNSUPP;
	}
	if (rlen != MK_VBLK_RANGES_MAX * sizeof(range)) {
		q->stats.bad_requests++;
		return VIRTIO_BLK_S_IOERR;
	}
	if (mk_vblk_pull(q, vq, &range, sizeof(range)))
		return MK_VBLK_BROKEN;
	sector = le64_to_cpu(range.sector);
	nr = le32_to_cpu(range.num_sectors);
	flags = le32_to_cpu(range.flags);
	/* UNMAP may only come with WRITE_ZEROES, as the spec says. */
	if (flags & ~(zeroes ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0) ||
	    !nr || nr > MK_VBLK_RANGE_SECTORS ||
	    !IS_ALIGNED(sector | nr, vb->blk_size >> SECTOR_SHIFT) ||
	    !mk_vblk_in_range(vb, sector, (u64)nr << SECTOR_SHIFT)) {
		q->stats.bad_requests++;
		return VIRTIO_BLK_S_IOERR;
	}
	if (zeroes && !(flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP))
		mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	else
		mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	ret = vfs_fallocate(vb->file, mode, sector << SECTOR_SHIFT,
			    (u64)nr << SECTOR_SHIFT);
	if (ret == -EOPNOTSUPP && zeroes)
		ret = mk_vblk_write_zeroes(vb, sector << SECTOR_SHIFT,
					   (u64)nr << SECTOR_SHIFT);
	/* A discard is advice: a store that cannot punch ignores it. */
	if (ret == -EOPNOTSUPP)
		return VIRTIO_BLK_S_OK;
	if (ret) {
		pr_warn_ratelimited("%s: disk %s: %s of %u sectors at %llu failed (%d)\n",
				    vb->owner, vb->path,
				    zeroes ? "write-zeroes" : "discard", nr,
				    sector, ret);
		q->stats.io_errors++;
		return VIRTIO_BLK_S_IOERR;
	}
	q->stats.trims++;
	return VIRTIO_BLK_S_OK;
}

static int mk_vblk_flush(struct mk_vblk_queue *q)
{
	struct mk_vblk *vb = q->vb;
	int ret = vfs_fsync(vb->file, 0);

	if (ret) {
		pr_warn_ratelimited("%s: disk %s: flush failed (%d)\n",
				    vb->owner, vb->path, ret);
		q->stats.io_errors++;
		return VIRTIO_BLK_S_IOERR;
	}
	q->stats.flushes++;
	return VIRTIO_BLK_S_OK;
}

static int mk_vblk_get_id(struct mk_vblk_queue *q, struct mk_vq *vq,
			  size_t wlen, size_t *data_in)
{
	/* Room for the longest name: only the first 20 bytes are sent. */
	char id[VIRTIO_BLK_ID_BYTES + MULTIKERNEL_NAME_MAX + 1] = { };
	struct mk_vblk *vb = q->vb;

	if (wlen < VIRTIO_BLK_ID_BYTES) {
		q->stats.bad_requests++;
		return VIRTIO_BLK_S_IOERR;
	}
	/* Not NUL-terminated when it fills all 20 bytes, as the spec says. */
	snprintf(id, sizeof(id), MK_VBLK_SERIAL_FMT, vb->vd->index, vb->owner);
	if (mk_vblk_push(q, vq, id, VIRTIO_BLK_ID_BYTES))
		return MK_VBLK_BROKEN;
	*data_in = VIRTIO_BLK_ID_BYTES;
	return VIRTIO_BLK_S_OK;
}

/*
 * Serve the request in @q's iovs. *@data_in: bytes written for the
 * driver before the status byte. Return: its status, or MK_VBLK_BROKEN.
 */
static int mk_vblk_serve(struct mk_vblk_queue *q, struct mk_vq *vq,
			 size_t *data_in)
{
	struct virtio_blk_outhdr hdr;
	struct mk_vblk *vb = q->vb;
	size_t rlen, wlen;
	u64 sector;
	u32 type;
	int ret;

	rlen = mk_vblk_iov_len(&q->riov);
	wlen = mk_vblk_iov_len(&q->wiov);
	*data_in = 0;
	if (rlen < sizeof(hdr) || !wlen)
		return MK_VBLK_BROKEN;
	if (mk_vblk_pull(q, vq, &hdr, sizeof(hdr)))
		return MK_VBLK_BROKEN;
	rlen -= sizeof(hdr);
	/* The status is the last byte the device writes. */
	wlen -= 1;
	type = __virtio32_to_cpu(true, hdr.type);
	sector = __virtio64_to_cpu(true, hdr.sector);

	switch (type) {
	case VIRTIO_BLK_T_IN:
		if (rlen)
			break;
		ret = mk_vblk_rw(q, &q->wiov, sector, wlen, false);
		if (ret == VIRTIO_BLK_S_OK)
			*data_in = wlen;
		return ret;
	case VIRTIO_BLK_T_OUT:
		if (wlen)
			break;
		if (vb->ro)
			break;
		return mk_vblk_rw(q, &q->riov, sector, rlen, true);
	case VIRTIO_BLK_T_FLUSH:
		if (rlen || wlen)
			break;
		return mk_vblk_flush(q);
	case VIRTIO_BLK_T_GET_ID:
		if (rlen)
			break;
		return mk_vblk_get_id(q, vq, wlen, data_in);
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		if (wlen || vb->ro)
			break;
		return mk_vblk_trim(q, vq, type, rlen);
	default:
		q->stats.bad_requests++;
		return VIRTIO_BLK_S_UNSUPP;
	}
	q->stats.bad_requests++;
	return VIRTIO_BLK_S_IOERR;
}

/* Serve the queue's next request; false when there is none to take. */
static bool mk_vblk_one(struct mk_vblk_queue *q, struct mk_vq *vq)
{
	struct mk_vdev *vd = q->vb->vd;
	unsigned long flags;
	size_t data_in;
	u8 status;
	int ret;
	u16 head;

	vringh_kiov_init(&q->riov, q->rstack, ARRAY_SIZE(q->rstack));
	vringh_kiov_init(&q->wiov, q->wstack, ARRAY_SIZE(q->wstack));
	spin_lock_irqsave(&vq->lock, flags);
	ret = 0;
	if (mk_vq_usable(vd, vq)) {
		ret = vringh_getdesc_iotlb(&vq->vrh, &q->riov, &q->wiov, &head,
					   GFP_ATOMIC);
		/* Enabled: the next request notifies us. */
		if (!ret && !vringh_notify_enable_iotlb(&vq->vrh)) {
			vringh_notify_disable_iotlb(&vq->vrh);
			ret = vringh_getdesc_iotlb(&vq->vrh, &q->riov,
						   &q->wiov, &head, GFP_ATOMIC);
		}
	}
	spin_unlock_irqrestore(&vq->lock, flags);
	if (ret < 0) {
		mk_vdev_broken(vd, "bad block request descriptor");
		goto out;
	}
	if (!ret)
		goto out;

	/* Out of the lock: the backing store may sleep. */
	ret = mk_vblk_serve(q, vq, &data_in);
	if (ret == MK_VBLK_BROKEN) {
		mk_vdev_broken(vd, "block request malformed or outside the I/O window");
		goto out;
	}
	status = ret;

	spin_lock_irqsave(&vq->lock, flags);
	/* Reset or broken meanwhile: the driver does not look for it. */
	if (mk_vq_usable(vd, vq)) {
		/* To the last byte, past whatever the request wrote. */
		vringh_kiov_advance(&q->wiov, mk_vblk_iov_len(&q->wiov) - 1);
		if (vringh_iov_push_iotlb(&vq->vrh, &q->wiov, &status, 1) != 1) {
			spin_unlock_irqrestore(&vq->lock, flags);
			mk_vdev_broken(vd, "block request status outside the I/O window");
			goto out;
		}
		vringh_complete_iotlb(&vq->vrh, head, data_in + 1);
		if (vringh_need_notify_iotlb(&vq->vrh) > 0)
			mk_vdev_interrupt(vd, q->index);
	}
	spin_unlock_irqrestore(&vq->lock, flags);
	ret = 1;
out:
	vringh_kiov_cleanup(&q->riov);
	vringh_kiov_cleanup(&q->wiov);
	return ret > 0;
}

static void mk_vblk_work(struct work_struct *work)
{
	struct mk_vblk_queue *q = container_of(work, struct mk_vblk_queue,
					       work);
	struct mk_vq *vq = &q->vb->vd->vqs[q->index];
	int n;

	for (n = 0; n < MK_VBLK_BUDGET; n++) {
		if (!mk_vblk_one(q, vq))
			return;
		cond_resched();
	}
	queue_work(system_unbound_wq, work);
}

static void mk_vblk_fill_config(struct mk_vdev *vd, u8 *config)
{
	struct mk_vblk *vb = mk_vblk_of(vd);
	/* Little-endian: the device is VIRTIO_F_VERSION_1 only. */
	struct virtio_blk_config cfg = {
		.capacity	= __cpu_to_virtio64(true, vb->sectors),
		.seg_max	= __cpu_to_virtio32(true, MK_VBLK_SEG_MAX),
		.blk_size	= __cpu_to_virtio32(true, vb->blk_size),
		.num_queues	= __cpu_to_virtio16(true, vd->num_queues),
	};

	if (mk_vblk_offers(vb, VIRTIO_BLK_F_DISCARD)) {
		cfg.max_discard_sectors =
			__cpu_to_virtio32(true, MK_VBLK_RANGE_SECTORS);
		cfg.max_discard_seg = __cpu_to_virtio32(true, MK_VBLK_RANGES_MAX);
		cfg.discard_sector_alignment =
			__cpu_to_virtio32(true, vb->blk_size >> SECTOR_SHIFT);
	}
	if (mk_vblk_offers(vb, VIRTIO_BLK_F_WRITE_ZEROES)) {
		cfg.max_write_zeroes_sectors =
			__cpu_to_virtio32(true, MK_VBLK_RANGE_SECTORS);
		cfg.max_write_zeroes_seg =
			__cpu_to_virtio32(true, MK_VBLK_RANGES_MAX);
		cfg.write_zeroes_may_unmap = 1;
	}
	memcpy(config, &cfg, sizeof(cfg));
}

static void mk_vblk_start(struct mk_vdev *vd)
{
	struct mk_vblk *vb = mk_vblk_of(vd);
	unsigned int i;

	/* What the driver queued before it said DRIVER_OK. */
	for (i = 0; i < vd->num_queues; i++)
		queue_work(system_unbound_wq, &vb->q[i].work);
}

/* Reset: the queues are not usable any more; wait for what is served. */
static void mk_vblk_stop(struct mk_vdev *vd)
{
	struct mk_vblk *vb = mk_vblk_of(vd);
	unsigned int i;

	for (i = 0; i < vd->num_queues; i++)
		cancel_work_sync(&vb->q[i].work);
}

static void mk_vblk_kick(struct mk_vdev *vd, unsigned int queue)
{
	queue_work(system_unbound_wq, &mk_vblk_of(vd)->q[queue].work);
}

static int mk_vblk_show(struct mk_vdev *vd, char *buf, int len)
{
	struct mk_vblk *vb = mk_vblk_of(vd);
	struct mk_vblk_stats s = { };
	unsigned int i, x = vd->index;

	for (i = 0; i < vd->num_queues; i++) {
		const struct mk_vblk_stats *qs = &vb->q[i].stats;

		s.reads += READ_ONCE(qs->reads);
		s.writes += READ_ONCE(qs->writes);
		s.flushes += READ_ONCE(qs->flushes);
		s.trims += READ_ONCE(qs->trims);
		s.bytes_read += READ_ONCE(qs->bytes_read);
		s.bytes_written += READ_ONCE(qs->bytes_written);
		s.io_errors += READ_ONCE(qs->io_errors);
		s.bad_requests += READ_ONCE(qs->bad_requests);
	}
	return scnprintf(buf, len,
			 "virtio%u_disk_path %s\nvirtio%u_disk_mode %s\nvirtio%u_disk_sectors %llu\nvirtio%u_disk_queues %u\nvirtio%u_disk_reads %llu\nvirtio%u_disk_writes %llu\nvirtio%u_disk_flushes %llu\nvirtio%u_disk_trims %llu\nvirtio%u_disk_bytes_read %llu\nvirtio%u_disk_bytes_written %llu\nvirtio%u_disk_io_errors %llu\nvirtio%u_disk_bad_requests %llu\n",
			 x, vb->path, x, vb->ro ? "ro" : "rw", x, vb->sectors,
			 x, vd->num_queues, x, s.reads, x, s.writes,
			 x, s.flushes, x, s.trims, x, s.bytes_read,
			 x, s.bytes_written, x, s.io_errors, x, s.bad_requests);
}

/* Close the backing store and leave the registry. */
static void mk_vblk_release(struct mk_vblk *vb)
{
	mutex_lock(&mk_vblk_mutex);
	list_del(&vb->node);
	mutex_unlock(&mk_vblk_mutex);
	if (vb->denied_write)
		allow_write_access(vb->file);
	if (vb->is_bdev)
		bdev_fput(vb->file);
	else
		fput(vb->file);
}

/* Destroy: the device is stopped, its spawn not running. */
static void mk_vblk_remove(struct mk_vdev *vd)
{
	struct mk_vblk *vb = mk_vblk_of(vd);
	unsigned int i;

	/* No kick (from the device's work) queues a queue's work again. */
	cancel_work_sync(&vd->work);
	for (i = 0; i < MK_VIRTIO_MAX_QUEUES; i++)
		cancel_work_sync(&vb->q[i].work);
	mk_vblk_release(vb);
	mk_vdev_free(vd);
	kvfree(vb);
}

static const struct mk_vdev_ops mk_vblk_ops = {
	.device_id	= VIRTIO_ID_BLOCK,
	.features	= MK_VBLK_FEATURES,
	.num_queues	= 1,
	.config_size	= sizeof(struct virtio_blk_config),
	.fill_config	= mk_vblk_fill_config,
	.start		= mk_vblk_start,
	.stop		= mk_vblk_stop,
	.kick		= mk_vblk_kick,
	.show		= mk_vblk_show,
	.remove		= mk_vblk_remove,
};

static_assert(sizeof(struct virtio_blk_config) <= MK_VIRTIO_CONFIG_MAX);

/* The one holder of every block device a disk= opened, for its claim. */
static const char mk_vblk_holder[] = "multikernel virtio-blk";

/*
 * Open the backing store: a block device exclusively (a mounted one, or
 * one another holder claimed, is -EBUSY); a regular file as asked.
 */
static int mk_vblk_open(struct mk_vblk *vb, const char *name)
{
	struct path path;
	umode_t mode;
	int ret;

	ret = kern_path(vb->path, LOOKUP_FOLLOW, &path);
	if (ret) {
		pr_warn_ratelimited("create %s: disk %s: not found (%d)\n",
				    name, vb->path, ret);
		return ret;
	}
	mode = d_inode(path.dentry)->i_mode;
	path_put(&path);

	if (S_ISBLK(mode)) {
		vb->file = bdev_file_open_by_path(vb->path, BLK_OPEN_READ |
						  (vb->ro ? 0 : BLK_OPEN_WRITE),
						  (void *)mk_vblk_holder, NULL);
		vb->is_bdev = true;
	} else if (S_ISREG(mode)) {
		vb->file = filp_open(vb->path, (vb->ro ? O_RDONLY : O_RDWR) |
				     O_LARGEFILE, 0);
	} else {
		pr_warn_ratelimited("create %s: disk %s: not a regular file or a block device\n",
				    name, vb->path);
		return -EINVAL;
	}
	if (IS_ERR(vb->file)) {
		ret = PTR_ERR(vb->file);
		if (ret == -EBUSY || ret == -ETXTBSY) {
			pr_warn_ratelimited("create %s: disk %s: in use on the host (mounted, claimed or denied writes)\n",
					    name, vb->path);
			ret = -EBUSY;
		} else {
			pr_warn_ratelimited("create %s: disk %s: cannot open (%d)\n",
					    name, vb->path, ret);
		}
		return ret;
	}
	/* Swapped for something else since the lookup above. */
	if (vb->is_bdev != S_ISBLK(file_inode(vb->file)->i_mode) ||
	    (!vb->is_bdev && !S_ISREG(file_inode(vb->file)->i_mode))) {
		pr_warn_ratelimited("create %s: disk %s: changed while opened\n",
				    name, vb->path);
		ret = -EINVAL;
		goto out_close;
	}
	vb->key = vb->file->f_mapping->host;
	if (vb->is_bdev) {
		vb->sectors = bdev_nr_sectors(file_bdev(vb->file));
		vb->blk_size = bdev_logical_block_size(file_bdev(vb->file));
	} else {
		vb->sectors = i_size_read(vb->key) >> SECTOR_SHIFT;
		vb->blk_size = SECTOR_SIZE;
	}
	if (!vb->sectors) {
		pr_warn_ratelimited("create %s: disk %s: smaller than a sector\n",
				    name, vb->path);
		ret = -EINVAL;
		goto out_close;
	}
	return 0;

out_close:
	if (vb->is_bdev)
		bdev_fput(vb->file);
	else
		fput(vb->file);
	return ret;
}

/*
 * The sharing rules, with mk_vblk_mutex held: a disk another instance
 * has read-write, or one another has at all when this one wants it
 * read-write, is -EBUSY; so is a regular file that someone on the host
 * has open for writing (a read-write loop device included). A read-only
 * regular file stays closed to writers on the host (-ETXTBSY for them)
 * while an instance has it.
 */
static int mk_vblk_claim(struct mk_vblk *vb, const char *name)
{
	struct mk_vblk *other;

	lockdep_assert_held(&mk_vblk_mutex);
	list_for_each_entry(other, &mk_vblk_disks, node) {
		if (other->key != vb->key || (other->ro && vb->ro))
			continue;
		pr_warn_ratelimited("create %s: disk %s: instance %s has it %s\n",
				    name, vb->path, other->owner,
				    other->ro ? "read-only" : "read-write");
		return -EBUSY;
	}
	if (vb->is_bdev)
		return 0;
	if (vb->ro) {
		if (deny_write_access(vb->file)) {
			pr_warn_ratelimited("create %s: disk %s: open for writing on the host\n",
					    name, vb->path);
			return -EBUSY;
		}
		vb->denied_write = true;
	} else if (atomic_read(&vb->key->i_writecount) > 1) {
		pr_warn_ratelimited("create %s: disk %s: open for writing elsewhere on the host\n",
				    name, vb->path);
		return -EBUSY;
	}
	return 0;
}

static int mk_vblk_create(struct mk_instance *inst,
			  const struct mk_disk_req *disk)
{
	struct mk_vblk *vb;
	unsigned int i;
	int ret;

	/* About 26 KiB with every queue's request state: no need to be contiguous. */
	vb = kvzalloc(sizeof(*vb), GFP_KERNEL);
	if (!vb)
		return -ENOMEM;
	strscpy(vb->path, disk->path, sizeof(vb->path));
	vb->ro = disk->ro;
	vb->owner = inst->name;
	INIT_LIST_HEAD(&vb->node);
	for (i = 0; i < MK_VIRTIO_MAX_QUEUES; i++) {
		vb->q[i].vb = vb;
		vb->q[i].index = i;
		INIT_WORK(&vb->q[i].work, mk_vblk_work);
	}

	mutex_lock(&mk_vblk_mutex);
	ret = mk_vblk_open(vb, inst->name);
	if (ret)
		goto out_unlock;
	ret = mk_vblk_claim(vb, inst->name);
	if (ret)
		goto out_close;
	vb->vd = mk_vdev_create(inst, &mk_vblk_ops, vb);
	if (IS_ERR(vb->vd)) {
		ret = PTR_ERR(vb->vd);
		goto out_allow;
	}
	list_add_tail(&vb->node, &mk_vblk_disks);
	mutex_unlock(&mk_vblk_mutex);

	/* The device is not started yet: its shape may still change. */
	vb->vd->num_queues = clamp(cpumask_weight(&inst->cpus), 1U,
				   (unsigned int)MK_VIRTIO_MAX_QUEUES);
	/*
	 * WRITE_ZEROES wherever there is fallocate() (a store that cannot
	 * zero a range gets plain writes of zeroes); DISCARD only for
	 * regular files: a block device's fallocate() has no discard in
	 * this kernel, only a zeroing that may fail.
	 */
	if (vb->ro)
		vb->vd->offered |= BIT_ULL(VIRTIO_BLK_F_RO);
	else if (vb->file->f_op->fallocate)
		vb->vd->offered |= BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES) |
				   (vb->is_bdev ? 0 :
				    BIT_ULL(VIRTIO_BLK_F_DISCARD));
	return 0;

out_allow:
	if (vb->denied_write)
		allow_write_access(vb->file);
out_close:
	if (vb->is_bdev)
		bdev_fput(vb->file);
	else
		fput(vb->file);
out_unlock:
	mutex_unlock(&mk_vblk_mutex);
	kvfree(vb);
	return ret;
}

/**
 * mk_vblks_create() - the disks a create line asked for
 * @inst:	the instance being created, its I/O window allocated
 * @req:	the create line
 *
 * Return: 0; -ENOENT and the like when a backing store cannot be opened;
 * -EBUSY when the sharing rules refuse it (mk_vblk_claim()); -EINVAL for
 * what is neither a regular file nor a block device, or is empty;
 * -ENOSPC for too many virtio devices; -ENOMEM. The disks made are left
 * to mk_vdevs_destroy().
 */
int mk_vblks_create(struct mk_instance *inst, const struct mk_create_req *req)
{
	unsigned int i;
	int ret;

	for (i = 0; i < req->nr_disks; i++) {
		ret = mk_vblk_create(inst, &req->disks[i]);
		if (ret)
			return ret;
	}
	return 0;
}

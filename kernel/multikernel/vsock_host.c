// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel virtio-vsock, device side: AF_VSOCK between the host and
 * its spawns. The host is an H2G transport built on
 * virtio_transport_common, as vhost-vsock is: host programs connect() to
 * a spawn's CID, the spawn's to the host (CID 2), and the protocol (and
 * its credit flow control) is the common code's; this file only moves
 * packets between the socket layer and the spawn's virtqueues.
 *
 * A spawn's CID is its instance id plus %MK_VSOCK_CID_OFFSET, so the
 * first instance is CID 3, the first CID that is no one's by
 * convention. The transport is registered while at least one instance
 * has a vsock device: the kernel has one host-to-guest slot, and
 * vhost-vsock cannot load while it is ours (nor we take it while
 * vhost-vsock has it).
 *
 * What the spawn sends is untrusted: a packet whose header does not fit
 * its buffer, or that is not from the spawn's own CID to the host, makes
 * the device NEEDS_RESET. When the spawn stops, is killed or breaks the
 * device, every host socket connected to it is reset (ECONNRESET) and
 * what was queued for it is dropped.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/list.h>
#include <linux/multikernel.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/virtio_vsock.h>
#include <linux/vringh.h>
#include <linux/workqueue.h>
#include <net/af_vsock.h>
#include <net/sock.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/vm_sockets.h>

#include "internal.h"

#define MK_VSOCK_RX_QUEUE	0	/* the spawn receives: host sends */
#define MK_VSOCK_TX_QUEUE	1	/* the spawn sends: host receives */
#define MK_VSOCK_EVENT_QUEUE	2	/* unused: the host never migrates */
#define MK_VSOCK_QUEUES		3
/* Descriptors per packet before vringh allocates a longer iov. */
#define MK_VSOCK_IOV		8
/* Packets one run of a work item moves before it yields. */
#define MK_VSOCK_BUDGET		64
/*
 * Replies (credit updates, resets) waiting for the spawn's receive
 * buffers; past this the host stops reading what the spawn sends, so a
 * spawn that sends without receiving cannot make the host queue
 * without bound.
 */
#define MK_VSOCK_REPLIES_MAX	MK_VDEV_QUEUE_SIZE_MAX

#define MK_VSOCK_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) | \
				 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) | \
				 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | \
				 BIT_ULL(VIRTIO_VSOCK_F_SEQPACKET))

/**
 * struct mk_vsock - the host's end of one spawn's vsock device
 * @vd:		the virtio device
 * @node:	in mk_vsocks, under mk_vsock_mutex; read under RCU
 * @cid:	the spawn's CID
 * @live:	the spawn's driver has the device and has not broken it:
 *		packets for @cid are taken
 * @send_queue:	host to spawn packets, waiting for receive buffers
 * @queued_replies: replies in @send_queue
 * @send_work:	moves @send_queue into the spawn's receive queue
 * @recv_work:	takes what the spawn sent
 * @reset_work:	resets the host's sockets after the spawn broke the device
 * @send_iov:	for @send_work
 * @send_stack:	@send_iov's first entries
 * @recv_iov:	for @recv_work
 * @recv_stack:	@recv_iov's first entries
 * @sent:	packets (or pieces of one) given to the spawn
 * @received:	packets taken from the spawn
 * @dropped:	packets the spawn sent that the host had no memory for
 * @resets:	host sockets reset because the spawn went away
 */
struct mk_vsock {
	struct mk_vdev *vd;
	struct list_head node;
	u32 cid;
	bool live;
	struct sk_buff_head send_queue;
	atomic_t queued_replies;
	struct work_struct send_work;
	struct work_struct recv_work;
	struct work_struct reset_work;
	struct vringh_kiov send_iov;
	struct kvec send_stack[MK_VSOCK_IOV];
	struct vringh_kiov recv_iov;
	struct kvec recv_stack[MK_VSOCK_IOV];
	u64 sent;
	u64 received;
	u64 dropped;
	atomic64_t resets;
};

static DEFINE_MUTEX(mk_vsock_mutex);
static LIST_HEAD(mk_vsocks);
static struct virtio_transport mk_vsock_transport;

static struct mk_vsock *mk_vsock_of(struct mk_vdev *vd)
{
	return vd->priv;
}

/* With the RCU read lock or mk_vsock_mutex held. */
static struct mk_vsock *mk_vsock_find(u32 cid)
{
	struct mk_vsock *vs;

	list_for_each_entry_rcu(vs, &mk_vsocks, node,
				lockdep_is_held(&mk_vsock_mutex))
		if (vs->cid == cid)
			return vs;
	return NULL;
}

static bool mk_vsock_cid_live(u32 cid)
{
	struct mk_vsock *vs;
	bool live;

	rcu_read_lock();
	vs = mk_vsock_find(cid);
	live = vs && READ_ONCE(vs->live);
	rcu_read_unlock();
	return live;
}

/*
 * Under the socket table's lock, as vhost-vsock and the guest transport
 * do it; the socket cannot go away meanwhile. The state is left as it
 * is: a reader of a socket that is no longer established gets EOF, not
 * the error, and a lost spawn must not look like an orderly close.
 */
static void mk_vsock_reset_orphan(struct sock *sk)
{
	struct vsock_sock *vsk = vsock_sk(sk);
	struct mk_vsock *vs;

	if (mk_vsock_cid_live(vsk->remote_addr.svm_cid))
		return;
	/* Its close timeout is pending: let that finish it. */
	if (vsk->close_work_scheduled)
		return;
	sock_set_flag(sk, SOCK_DONE);
	WRITE_ONCE(vsk->peer_shutdown, SHUTDOWN_MASK);
	sk->sk_err = ECONNRESET;
	sk_error_report(sk);
	rcu_read_lock();
	vs = mk_vsock_find(vsk->remote_addr.svm_cid);
	if (vs)
		atomic64_inc(&vs->resets);
	rcu_read_unlock();
}

static void mk_vsock_reset_sockets(void)
{
	vsock_for_each_connected_socket(&mk_vsock_transport.transport,
					mk_vsock_reset_orphan);
}

static void mk_vsock_reset_work(struct work_struct *work)
{
	mk_vsock_reset_sockets();
}

static u32 mk_vsock_get_local_cid(void)
{
	return VMADDR_CID_HOST;
}

/* The socket layer sends @skb to a spawn; takes ownership of it. */
static int mk_vsock_send_pkt(struct sk_buff *skb)
{
	struct virtio_vsock_hdr *hdr = virtio_vsock_hdr(skb);
	struct mk_vsock *vs;
	int len = skb->len;

	rcu_read_lock();
	vs = mk_vsock_find(le64_to_cpu(hdr->dst_cid));
	if (!vs || !READ_ONCE(vs->live)) {
		rcu_read_unlock();
		kfree_skb(skb);
		return -ENODEV;
	}
	if (virtio_vsock_skb_reply(skb))
		atomic_inc(&vs->queued_replies);
	virtio_vsock_skb_queue_tail(&vs->send_queue, skb);
	queue_work(system_unbound_wq, &vs->send_work);
	rcu_read_unlock();
	return len;
}

static int mk_vsock_cancel_pkt(struct vsock_sock *vsk)
{
	struct mk_vsock *vs;
	int cnt, left;

	rcu_read_lock();
	vs = mk_vsock_find(vsk->remote_addr.svm_cid);
	if (!vs) {
		rcu_read_unlock();
		return -ENODEV;
	}
	cnt = virtio_transport_purge_skbs(vsk, &vs->send_queue);
	if (cnt) {
		left = atomic_sub_return(cnt, &vs->queued_replies);
		if (left + cnt >= MK_VSOCK_REPLIES_MAX &&
		    left < MK_VSOCK_REPLIES_MAX)
			queue_work(system_unbound_wq, &vs->recv_work);
	}
	rcu_read_unlock();
	return 0;
}

static bool mk_vsock_seqpacket_allow(u32 remote_cid)
{
	struct mk_vsock *vs;
	bool allow;

	rcu_read_lock();
	vs = mk_vsock_find(remote_cid);
	allow = vs && READ_ONCE(vs->live) &&
		(READ_ONCE(vs->vd->features) & BIT_ULL(VIRTIO_VSOCK_F_SEQPACKET));
	rcu_read_unlock();
	return allow;
}

static struct virtio_transport mk_vsock_transport = {
	.transport = {
		.module			  = THIS_MODULE,
		.get_local_cid		  = mk_vsock_get_local_cid,
		.init			  = virtio_transport_do_socket_init,
		.destruct		  = virtio_transport_destruct,
		.release		  = virtio_transport_release,
		.connect		  = virtio_transport_connect,
		.shutdown		  = virtio_transport_shutdown,
		.cancel_pkt		  = mk_vsock_cancel_pkt,
		.dgram_enqueue		  = virtio_transport_dgram_enqueue,
		.dgram_dequeue		  = virtio_transport_dgram_dequeue,
		.dgram_bind		  = virtio_transport_dgram_bind,
		.dgram_allow		  = virtio_transport_dgram_allow,
		.stream_enqueue		  = virtio_transport_stream_enqueue,
		.stream_dequeue		  = virtio_transport_stream_dequeue,
		.stream_has_data	  = virtio_transport_stream_has_data,
		.stream_has_space	  = virtio_transport_stream_has_space,
		.stream_rcvhiwat	  = virtio_transport_stream_rcvhiwat,
		.stream_is_active	  = virtio_transport_stream_is_active,
		.stream_allow		  = virtio_transport_stream_allow,
		.seqpacket_dequeue	  = virtio_transport_seqpacket_dequeue,
		.seqpacket_enqueue	  = virtio_transport_seqpacket_enqueue,
		.seqpacket_allow	  = mk_vsock_seqpacket_allow,
		.seqpacket_has_data	  = virtio_transport_seqpacket_has_data,
		.notify_poll_in		  = virtio_transport_notify_poll_in,
		.notify_poll_out	  = virtio_transport_notify_poll_out,
		.notify_recv_init	  = virtio_transport_notify_recv_init,
		.notify_recv_pre_block	  = virtio_transport_notify_recv_pre_block,
		.notify_recv_pre_dequeue  = virtio_transport_notify_recv_pre_dequeue,
		.notify_recv_post_dequeue = virtio_transport_notify_recv_post_dequeue,
		.notify_send_init	  = virtio_transport_notify_send_init,
		.notify_send_pre_block	  = virtio_transport_notify_send_pre_block,
		.notify_send_pre_enqueue  = virtio_transport_notify_send_pre_enqueue,
		.notify_send_post_enqueue = virtio_transport_notify_send_post_enqueue,
		.notify_buffer_size	  = virtio_transport_notify_buffer_size,
		.notify_set_rcvlowat	  = virtio_transport_notify_set_rcvlowat,
		.unsent_bytes		  = virtio_transport_unsent_bytes,
		.read_skb		  = virtio_transport_read_skb,
	},
	.send_pkt = mk_vsock_send_pkt,
};

/* What mk_vsock_push() did with a packet. */
enum mk_vsock_push {
	MK_VSOCK_PUSHED,	/* all of it is in the spawn's ring */
	MK_VSOCK_PUSHED_PART,	/* a piece: the rest waits for a buffer */
	MK_VSOCK_RETRY,		/* nothing yet: buffers came meanwhile */
	MK_VSOCK_NO_BUFFER,	/* nothing: no receive buffer */
	MK_VSOCK_BROKEN,	/* nothing: the device is NEEDS_RESET now */
};

static size_t mk_vsock_iov_len(struct vringh_kiov *iov)
{
	size_t len = 0;
	unsigned int i;

	for (i = iov->i; i < iov->used; i++)
		len += iov->iov[i].iov_len;
	return len - iov->consumed;
}

/* One stretch of an skb's data to or from the ring. */
static int mk_vsock_copy_part(struct mk_vq *vq, struct vringh_kiov *iov,
			      void *data, u32 len, bool to_ring)
{
	ssize_t done;

	if (to_ring)
		done = vringh_iov_push_iotlb(&vq->vrh, iov, data, len);
	else
		done = vringh_iov_pull_iotlb(&vq->vrh, iov, data, len);
	return done == len ? 0 : -EFAULT;
}

/*
 * @len bytes of @skb's data from @offset on, to the ring (@to_ring) or
 * from it: the linear part, then the pages; the socket layer makes
 * packets over 32 KiB of pages.
 */
static int mk_vsock_copy(struct mk_vq *vq, struct vringh_kiov *iov,
			 struct sk_buff *skb, u32 offset, u32 len, bool to_ring)
{
	u32 start = 0, end = skb_headlen(skb), n;
	unsigned int i = 0;
	skb_frag_t *frag;
	void *data = skb->data;

	while (len) {
		if (offset < end) {
			n = min(len, end - offset);
			if (mk_vsock_copy_part(vq, iov, data + offset - start,
					       n, to_ring))
				return -EFAULT;
			offset += n;
			len -= n;
		}
		if (!len)
			break;
		if (i == skb_shinfo(skb)->nr_frags)
			return -EFAULT;
		frag = &skb_shinfo(skb)->frags[i++];
		data = skb_frag_address(frag);
		start = end;
		end += skb_frag_size(frag);
	}
	return 0;
}

/*
 * Into the spawn's next receive buffer: @skb's header and as much of
 * its payload as fits. A longer packet goes on in the next buffer, with
 * the same header (and a SEQPACKET message's end marked on its last
 * piece only). With the receive queue's lock held.
 */
static enum mk_vsock_push mk_vsock_push(struct mk_vsock *vs, struct mk_vq *vq,
					struct sk_buff *skb)
{
	struct virtio_vsock_hdr *hdr = virtio_vsock_hdr(skb);
	u32 offset = VIRTIO_VSOCK_SKB_CB(skb)->offset;
	u32 payload = skb->len - offset, restore = 0;
	enum mk_vsock_push ret = MK_VSOCK_PUSHED;
	size_t room;
	u16 head;
	int err;

	vringh_kiov_init(&vs->send_iov, vs->send_stack,
			 ARRAY_SIZE(vs->send_stack));
	err = vringh_getdesc_iotlb(&vq->vrh, NULL, &vs->send_iov, &head,
				   GFP_ATOMIC);
	if (err <= 0) {
		vringh_kiov_cleanup(&vs->send_iov);
		if (err < 0) {
			mk_vdev_broken(vs->vd, "bad vsock receive descriptor");
			return MK_VSOCK_BROKEN;
		}
		/* Enabled, notification comes with the next buffer. */
		if (!vringh_notify_enable_iotlb(&vq->vrh)) {
			vringh_notify_disable_iotlb(&vq->vrh);
			return MK_VSOCK_RETRY;
		}
		return MK_VSOCK_NO_BUFFER;
	}
	room = mk_vsock_iov_len(&vs->send_iov);
	if (room <= sizeof(*hdr)) {
		vringh_kiov_cleanup(&vs->send_iov);
		mk_vdev_broken(vs->vd, "vsock receive buffer too small for a header");
		return MK_VSOCK_BROKEN;
	}
	if (payload > room - sizeof(*hdr)) {
		payload = room - sizeof(*hdr);
		ret = MK_VSOCK_PUSHED_PART;
		restore = le32_to_cpu(hdr->flags) &
			  (VIRTIO_VSOCK_SEQ_EOM | VIRTIO_VSOCK_SEQ_EOR);
		hdr->flags &= ~cpu_to_le32(restore);
	}
	hdr->len = cpu_to_le32(payload);
	err = mk_vsock_copy_part(vq, &vs->send_iov, hdr, sizeof(*hdr), true) ?:
	      mk_vsock_copy(vq, &vs->send_iov, skb, offset, payload, true);
	hdr->flags |= cpu_to_le32(restore);
	vringh_kiov_cleanup(&vs->send_iov);
	if (err) {
		mk_vdev_broken(vs->vd, "vsock receive buffer outside the I/O window");
		return MK_VSOCK_BROKEN;
	}
	vringh_complete_iotlb(&vq->vrh, head, sizeof(*hdr) + payload);
	VIRTIO_VSOCK_SKB_CB(skb)->offset += payload;
	vs->sent++;
	return ret;
}

/* Host to spawn: what the socket layer queued, into receive buffers. */
static void mk_vsock_send_work(struct work_struct *work)
{
	struct mk_vsock *vs = container_of(work, struct mk_vsock, send_work);
	struct mk_vdev *vd = vs->vd;
	struct mk_vq *vq = &vd->vqs[MK_VSOCK_RX_QUEUE];
	bool added = false, resume_recv = false;
	enum mk_vsock_push ret;
	struct sk_buff *skb;
	unsigned long flags;
	int pkts;

	for (pkts = 0; pkts < MK_VSOCK_BUDGET; pkts++) {
		skb = virtio_vsock_skb_dequeue(&vs->send_queue);
		if (!skb)
			break;
		virtio_transport_deliver_tap_pkt(skb);
		spin_lock_irqsave(&vq->lock, flags);
		ret = MK_VSOCK_BROKEN;
		if (mk_vq_usable(vd, vq))
			ret = mk_vsock_push(vs, vq, skb);
		spin_unlock_irqrestore(&vq->lock, flags);

		if (ret == MK_VSOCK_BROKEN) {
			kfree_skb(skb);
			break;
		}
		added |= ret == MK_VSOCK_PUSHED || ret == MK_VSOCK_PUSHED_PART;
		if (ret != MK_VSOCK_PUSHED) {
			/* The rest goes to monitors with the next piece. */
			virtio_vsock_skb_clear_tap_delivered(skb);
			virtio_vsock_skb_queue_head(&vs->send_queue, skb);
			if (ret == MK_VSOCK_NO_BUFFER)
				break;
			continue;
		}
		if (virtio_vsock_skb_reply(skb) &&
		    atomic_dec_return(&vs->queued_replies) + 1 ==
		    MK_VSOCK_REPLIES_MAX)
			resume_recv = true;
		virtio_transport_consume_skb_sent(skb, true);
	}

	spin_lock_irqsave(&vq->lock, flags);
	if (added && mk_vq_usable(vd, vq) &&
	    vringh_need_notify_iotlb(&vq->vrh) > 0)
		mk_vdev_interrupt(vd, MK_VSOCK_RX_QUEUE);
	spin_unlock_irqrestore(&vq->lock, flags);
	if (pkts == MK_VSOCK_BUDGET)
		queue_work(system_unbound_wq, &vs->send_work);
	if (resume_recv)
		queue_work(system_unbound_wq, &vs->recv_work);
}

/*
 * The header of the spawn's next packet, checked; 1 with *@head and
 * @hdr set, 0 when there is none, -1 when the spawn broke the device.
 * With the transmit queue's lock held.
 */
static int mk_vsock_pull_header(struct mk_vsock *vs, struct mk_vq *vq,
				struct virtio_vsock_hdr *hdr, u16 *head)
{
	const char *why;
	size_t len;
	int got;

	vringh_kiov_init(&vs->recv_iov, vs->recv_stack,
			 ARRAY_SIZE(vs->recv_stack));
	got = vringh_getdesc_iotlb(&vq->vrh, &vs->recv_iov, NULL, head,
				   GFP_ATOMIC);
	if (!got)
		return 0;
	why = "bad vsock transmit descriptor";
	if (got < 0)
		goto broken;
	len = mk_vsock_iov_len(&vs->recv_iov);
	why = "vsock packet shorter than its header";
	if (len < sizeof(*hdr))
		goto broken;
	why = "vsock packet outside the I/O window";
	if (mk_vsock_copy_part(vq, &vs->recv_iov, hdr, sizeof(*hdr), false))
		goto broken;
	why = "vsock header length beyond its buffer";
	if (le32_to_cpu(hdr->len) > len - sizeof(*hdr) ||
	    le32_to_cpu(hdr->len) > VIRTIO_VSOCK_MAX_PKT_BUF_SIZE)
		goto broken;
	why = "vsock packet not from the spawn's CID to the host";
	if (le64_to_cpu(hdr->src_cid) != vs->cid ||
	    le64_to_cpu(hdr->dst_cid) != VMADDR_CID_HOST)
		goto broken;
	return 1;

broken:
	vringh_kiov_cleanup(&vs->recv_iov);
	mk_vdev_broken(vs->vd, why);
	return -1;
}

/* The spawn's next packet, or NULL; false when there is none to take. */
static bool mk_vsock_recv_one(struct mk_vsock *vs, struct mk_vq *vq,
			      struct sk_buff **skbp)
{
	struct mk_vdev *vd = vs->vd;
	struct virtio_vsock_hdr hdr;
	struct sk_buff *skb;
	unsigned long flags;
	u32 len;
	u16 head;
	int got;

	*skbp = NULL;
	spin_lock_irqsave(&vq->lock, flags);
	got = mk_vq_usable(vd, vq) ? mk_vsock_pull_header(vs, vq, &hdr, &head) : -1;
	/* Enabled, notification comes with the next packet. */
	if (!got && !vringh_notify_enable_iotlb(&vq->vrh)) {
		vringh_notify_disable_iotlb(&vq->vrh);
		got = mk_vsock_pull_header(vs, vq, &hdr, &head);
	}
	spin_unlock_irqrestore(&vq->lock, flags);
	if (got <= 0)
		return false;

	/* Out of the lock, so that it may sleep: up to 64 KiB. */
	len = le32_to_cpu(hdr.len);
	skb = virtio_vsock_alloc_skb(sizeof(hdr) + len, GFP_KERNEL);

	spin_lock_irqsave(&vq->lock, flags);
	/* A reset while unlocked: recv_work is cancelled after it. */
	if (!mk_vq_usable(vd, vq)) {
		spin_unlock_irqrestore(&vq->lock, flags);
		vringh_kiov_cleanup(&vs->recv_iov);
		kfree_skb(skb);
		return false;
	}
	if (skb) {
		memcpy(virtio_vsock_hdr(skb), &hdr, sizeof(hdr));
		virtio_vsock_skb_put(skb, len);
		if (mk_vsock_copy(vq, &vs->recv_iov, skb, 0, len, false)) {
			kfree_skb(skb);
			skb = NULL;
			mk_vdev_broken(vd, "vsock packet outside the I/O window");
		}
	} else {
		vs->dropped++;
	}
	vringh_complete_iotlb(&vq->vrh, head, 0);
	if (vringh_need_notify_iotlb(&vq->vrh) > 0)
		mk_vdev_interrupt(vd, MK_VSOCK_TX_QUEUE);
	spin_unlock_irqrestore(&vq->lock, flags);
	vringh_kiov_cleanup(&vs->recv_iov);
	*skbp = skb;
	return true;
}

/* Spawn to host: what the spawn sent, to the socket layer. */
static void mk_vsock_recv_work(struct work_struct *work)
{
	struct mk_vsock *vs = container_of(work, struct mk_vsock, recv_work);
	struct mk_vq *vq = &vs->vd->vqs[MK_VSOCK_TX_QUEUE];
	struct sk_buff *skb;
	int pkts;

	for (pkts = 0; pkts < MK_VSOCK_BUDGET; pkts++) {
		/* The send work resumes this once the replies went out. */
		if (atomic_read(&vs->queued_replies) >= MK_VSOCK_REPLIES_MAX)
			return;
		if (!mk_vsock_recv_one(vs, vq, &skb))
			return;
		if (!skb)
			continue;
		vs->received++;
		virtio_transport_deliver_tap_pkt(skb);
		virtio_transport_recv_pkt(&mk_vsock_transport, skb);
	}
	queue_work(system_unbound_wq, &vs->recv_work);
}

static void mk_vsock_fill_config(struct mk_vdev *vd, u8 *config)
{
	struct virtio_vsock_config cfg = {
		.guest_cid = cpu_to_le64(mk_vsock_of(vd)->cid),
	};

	memcpy(config, &cfg, sizeof(cfg));
}

static void mk_vsock_start(struct mk_vdev *vd)
{
	struct mk_vsock *vs = mk_vsock_of(vd);

	atomic_set(&vs->queued_replies, 0);
	WRITE_ONCE(vs->live, true);
	/* What the spawn sent before it said DRIVER_OK. */
	queue_work(system_unbound_wq, &vs->recv_work);
}

/* The device is reset: its spawn is gone, or its driver let go. */
static void mk_vsock_stop(struct mk_vdev *vd)
{
	struct mk_vsock *vs = mk_vsock_of(vd);

	WRITE_ONCE(vs->live, false);
	/* No mk_vsock_send_pkt() still queues for a live device... */
	synchronize_rcu();
	cancel_work_sync(&vs->send_work);
	cancel_work_sync(&vs->recv_work);
	cancel_work_sync(&vs->reset_work);
	/* ...so this is the last of what was in flight. */
	virtio_vsock_skb_queue_purge(&vs->send_queue);
	atomic_set(&vs->queued_replies, 0);
	mk_vsock_reset_sockets();
}

/* virtio_vsock does not act on NEEDS_RESET; the host's sockets must. */
static void mk_vsock_broken(struct mk_vdev *vd, u8 *config)
{
	struct mk_vsock *vs = mk_vsock_of(vd);

	WRITE_ONCE(vs->live, false);
	queue_work(system_unbound_wq, &vs->reset_work);
}

static void mk_vsock_kick(struct mk_vdev *vd, unsigned int queue)
{
	struct mk_vsock *vs = mk_vsock_of(vd);

	if (queue == MK_VSOCK_RX_QUEUE)
		queue_work(system_unbound_wq, &vs->send_work);
	else if (queue == MK_VSOCK_TX_QUEUE)
		queue_work(system_unbound_wq, &vs->recv_work);
}

static int mk_vsock_show(struct mk_vdev *vd, char *buf, int len)
{
	struct mk_vsock *vs = mk_vsock_of(vd);

	return scnprintf(buf, len,
			 "virtio%u_cid %u\nvirtio%u_sent %llu\nvirtio%u_received %llu\nvirtio%u_dropped %llu\nvirtio%u_sockets_reset %lld\n",
			 vd->index, vs->cid, vd->index, vs->sent, vd->index,
			 vs->received, vd->index, vs->dropped, vd->index,
			 atomic64_read(&vs->resets));
}

/* Destroy: the device is stopped, its spawn not running. */
static void mk_vsock_remove(struct mk_vdev *vd)
{
	struct mk_vsock *vs = mk_vsock_of(vd);
	bool last;

	mutex_lock(&mk_vsock_mutex);
	list_del_rcu(&vs->node);
	last = list_empty(&mk_vsocks);
	if (last)
		vsock_core_unregister(&mk_vsock_transport.transport);
	mutex_unlock(&mk_vsock_mutex);
	synchronize_rcu();
	cancel_work_sync(&vs->send_work);
	cancel_work_sync(&vs->recv_work);
	cancel_work_sync(&vs->reset_work);
	virtio_vsock_skb_queue_purge(&vs->send_queue);
	mk_vdev_free(vd);
	kfree(vs);
}

static const struct mk_vdev_ops mk_vsock_ops = {
	.device_id	= VIRTIO_ID_VSOCK,
	.features	= MK_VSOCK_FEATURES,
	.num_queues	= MK_VSOCK_QUEUES,
	.config_size	= sizeof(struct virtio_vsock_config),
	.fill_config	= mk_vsock_fill_config,
	.start		= mk_vsock_start,
	.stop		= mk_vsock_stop,
	.broken		= mk_vsock_broken,
	.kick		= mk_vsock_kick,
	.show		= mk_vsock_show,
	.remove		= mk_vsock_remove,
};

/**
 * mk_vsock_cid() - the CID an instance's spawn has
 * @inst:	the instance
 *
 * Return: its id plus %MK_VSOCK_CID_OFFSET.
 */
u32 mk_vsock_cid(const struct mk_instance *inst)
{
	return inst->id + MK_VSOCK_CID_OFFSET;
}

/**
 * mk_vsock_create() - the vsock device a create line asked for
 * @inst:	the instance being created, its I/O window allocated
 *
 * Return: 0; -EBUSY while another host-to-guest vsock transport
 * (vhost-vsock) is registered; -ENOSPC for too many devices; -ENOMEM.
 * The device is left to mk_vdevs_destroy() once it is made.
 */
int mk_vsock_create(struct mk_instance *inst)
{
	struct mk_vsock *vs;
	int ret;

	vs = kzalloc(sizeof(*vs), GFP_KERNEL);
	if (!vs)
		return -ENOMEM;
	vs->cid = mk_vsock_cid(inst);
	skb_queue_head_init(&vs->send_queue);
	INIT_WORK(&vs->send_work, mk_vsock_send_work);
	INIT_WORK(&vs->recv_work, mk_vsock_recv_work);
	INIT_WORK(&vs->reset_work, mk_vsock_reset_work);

	mutex_lock(&mk_vsock_mutex);
	if (list_empty(&mk_vsocks)) {
		ret = vsock_core_register(&mk_vsock_transport.transport,
					  VSOCK_TRANSPORT_F_H2G);
		if (ret) {
			pr_warn_ratelimited("create %s: vsock: another host-to-guest vsock transport is registered (vhost_vsock?) (%d)\n",
					    inst->name, ret);
			goto out_unlock;
		}
	}
	vs->vd = mk_vdev_create(inst, &mk_vsock_ops, vs);
	if (IS_ERR(vs->vd)) {
		ret = PTR_ERR(vs->vd);
		if (list_empty(&mk_vsocks))
			vsock_core_unregister(&mk_vsock_transport.transport);
		goto out_unlock;
	}
	list_add_tail_rcu(&vs->node, &mk_vsocks);
	mutex_unlock(&mk_vsock_mutex);
	return 0;

out_unlock:
	mutex_unlock(&mk_vsock_mutex);
	kfree(vs);
	return ret;
}

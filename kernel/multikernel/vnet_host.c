// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel virtio-net, device side: each virtio NIC of a spawn is a
 * plain Ethernet device on the host, mk-NAME (mk-NAME.N for the second
 * and later), that the user bridges, routes or NATs as usual.
 *
 * What the host transmits on it goes into the spawn's receive queue (0);
 * what the spawn transmits (queue 1) the host receives through NAPI. Both
 * copy through the I/O window with vringh, so a spawn's bad ring can at
 * worst make the device NEEDS_RESET. The carrier is up while the spawn's
 * driver has the device (DRIVER_OK) and down otherwise.
 *
 * Offloads travel in the virtio_net_hdr in front of every packet, as
 * with tun: what either end sends may be a TCP segment of up to 64 KiB
 * with its checksum left to do. Whatever the spawn's driver did not
 * take, the host's stack does in software first (ndo_features_check).
 * A segment for the spawn fills as many of its mergeable receive
 * buffers as it needs, handed over at once.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/highmem.h>
#include <linux/jhash.h>
#include <linux/multikernel.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/virtio_net.h>
#include <linux/virtio_byteorder.h>
#include <linux/vringh.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>

#include "internal.h"

#define MK_VNET_RX_QUEUE	0	/* the spawn receives: host transmits */
#define MK_VNET_TX_QUEUE	1	/* the spawn transmits: host receives */
#define MK_VNET_QUEUES		2
/*
 * Descriptors per packet before vringh allocates a longer iov: a
 * virtio_net receive buffer for 64 KiB segments is a header, a page for
 * each fragment and one more.
 */
#define MK_VNET_IOV		(MAX_SKB_FRAGS + 2)
/* What the spawn may send in one packet: a 64 KiB segment and its MAC header. */
#define MK_VNET_GSO_MAX		(VLAN_ETH_HLEN + GSO_LEGACY_MAX_SIZE)
/* A packet longer than a page arrives in page fragments after this much. */
#define MK_VNET_HEAD_LEN	256
static_assert(DIV_ROUND_UP(MK_VNET_GSO_MAX - MK_VNET_HEAD_LEN, PAGE_SIZE) <=
	      MAX_SKB_FRAGS);
/* Locally administered, and "M" for multikernel. */
#define MK_VNET_MAC_PREFIX0	0x02
#define MK_VNET_MAC_PREFIX1	0x4d

#define MK_VNET_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) | \
				 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) | \
				 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | \
				 BIT_ULL(VIRTIO_NET_F_MAC) | \
				 BIT_ULL(VIRTIO_NET_F_MTU) | \
				 BIT_ULL(VIRTIO_NET_F_STATUS) | \
				 MK_VNET_OFFLOADS)
/*
 * Both ways: checksums and TCP segmentation (with ECN), as tun does, and
 * mergeable receive buffers: without them a driver that takes GUEST_TSO
 * posts 64 KiB receive buffers, which the spawn's swiotlb bounce copies
 * whole for every packet, however short.
 */
#define MK_VNET_OFFLOADS	(BIT_ULL(VIRTIO_NET_F_CSUM) | \
				 BIT_ULL(VIRTIO_NET_F_HOST_TSO4) | \
				 BIT_ULL(VIRTIO_NET_F_HOST_TSO6) | \
				 BIT_ULL(VIRTIO_NET_F_HOST_ECN) | \
				 BIT_ULL(VIRTIO_NET_F_GUEST_CSUM) | \
				 BIT_ULL(VIRTIO_NET_F_GUEST_TSO4) | \
				 BIT_ULL(VIRTIO_NET_F_GUEST_TSO6) | \
				 BIT_ULL(VIRTIO_NET_F_GUEST_ECN) | \
				 BIT_ULL(VIRTIO_NET_F_MRG_RXBUF))
/* What the host's netdev can hand the spawn, once its driver agrees. */
#define MK_VNET_NETIF_OFFLOADS	(NETIF_F_SG | NETIF_F_HW_CSUM | \
				 NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_TSO_ECN)
/*
 * Receive buffers one host packet may fill: a 64 KiB segment in buffers
 * of at least 1 KiB (Linux's are 1.5 to 4 KiB). A spawn that posts
 * smaller ones gets them back empty.
 */
#define MK_VNET_RX_BUFS		64
/* Descriptors per mergeable buffer before vringh allocates (Linux: 1). */
#define MK_VNET_RX_BUF_IOV	2

/**
 * struct mk_vnet - the host's end of one spawn NIC
 * @ndev:	the host's netdev
 * @vd:		the virtio device
 * @napi:	takes what the spawn transmits
 * @mac:	the spawn's MAC address
 * @mtu:	both ends' MTU, and the most either may set
 * @rx_iov:	for the NAPI poll (spawn's transmit queue)
 * @rx_stack:	@rx_iov's first entries
 * @fill:	the spawn's receive buffers the packet being sent goes into
 * @stats:	what ethtool -S shows; see mk_vnet_stat_names
 */
struct mk_vnet {
	struct net_device *ndev;
	struct mk_vdev *vd;
	struct napi_struct napi;
	u8 mac[ETH_ALEN];
	unsigned int mtu;
	struct vringh_kiov rx_iov;
	struct kvec rx_stack[MK_VNET_IOV];
	struct mk_vnet_fill {
		unsigned int nr;
		unsigned int cur;
		struct vringh_kiov iov[MK_VNET_RX_BUFS];
		struct kvec stack0[MK_VNET_IOV];
		struct kvec stack[MK_VNET_RX_BUFS][MK_VNET_RX_BUF_IOV];
		struct vring_used_elem used[MK_VNET_RX_BUFS];
		u32 len[MK_VNET_RX_BUFS];
	} fill;
	struct mk_vnet_stats {
		u64 no_buffer;
		u64 bad_length;
		u64 gso_to_spawn;
		u64 csum_to_spawn;
		u64 gso_from_spawn;
		u64 csum_from_spawn;
	} stats;
};

/* ethtool -S names, in struct mk_vnet_stats order, then the device's. */
static const char mk_vnet_stat_names[][ETH_GSTRING_LEN] = {
	"no_buffer",		/* host transmits dropped: no receive buffer */
	"bad_length",		/* packets of a length the protocol forbids */
	"gso_to_spawn",		/* segments of up to 64 KiB sent whole */
	"csum_to_spawn",	/* packets whose checksum the spawn finishes */
	"gso_from_spawn",	/* segments of up to 64 KiB that came whole */
	"csum_from_spawn",
	"virtio_requests",	/* struct mk_vdev_stats from here on */
	"virtio_kicks",
	"virtio_interrupts",
	"virtio_resets",
	"virtio_needs_reset",
	"virtio_lost_pokes",
	"virtio_bad_kicks",
};

#define MK_VNET_OWN_STATS	(sizeof(struct mk_vnet_stats) / sizeof(u64))
#define MK_VNET_VDEV_STATS	(sizeof(struct mk_vdev_stats) / sizeof(u64))
static_assert(ARRAY_SIZE(mk_vnet_stat_names) ==
	      MK_VNET_OWN_STATS + MK_VNET_VDEV_STATS);

static struct mk_vnet *mk_vnet_of(struct mk_vdev *vd)
{
	return vd->priv;
}

static void mk_vnet_fill_config(struct mk_vdev *vd, u8 *config)
{
	struct mk_vnet *vnet = mk_vnet_of(vd);
	struct virtio_net_config cfg = {};

	ether_addr_copy(cfg.mac, vnet->mac);
	cfg.status = __cpu_to_virtio16(true, VIRTIO_NET_S_LINK_UP);
	cfg.max_virtqueue_pairs = __cpu_to_virtio16(true, 1);
	cfg.mtu = __cpu_to_virtio16(true, vnet->mtu);
	memcpy(config, &cfg, sizeof(cfg));
}

static void mk_vnet_start(struct mk_vdev *vd)
{
	struct mk_vnet *vnet = mk_vnet_of(vd);

	netif_carrier_on(vnet->ndev);
	netif_wake_queue(vnet->ndev);
	/* What the spawn queued before it said DRIVER_OK. */
	local_bh_disable();
	napi_schedule(&vnet->napi);
	local_bh_enable();
}

static void mk_vnet_stop(struct mk_vdev *vd)
{
	netif_carrier_off(mk_vnet_of(vd)->ndev);
}

/*
 * The spawn broke the device: virtio_net does not act on NEEDS_RESET,
 * so tell it the link went down, and take the host's end down too.
 */
static void mk_vnet_broken(struct mk_vdev *vd, u8 *config)
{
	struct virtio_net_config *cfg = (struct virtio_net_config *)config;

	WRITE_ONCE(cfg->status, 0);
	netif_carrier_off(mk_vnet_of(vd)->ndev);
}

/* The spawn put buffers on a queue: receive buffers, or packets to send. */
static void mk_vnet_kick(struct mk_vdev *vd, unsigned int queue)
{
	struct mk_vnet *vnet = mk_vnet_of(vd);

	if (queue == MK_VNET_RX_QUEUE) {
		struct mk_vq *vq = &vd->vqs[MK_VNET_RX_QUEUE];
		unsigned long flags;

		/* Under the lock transmit stops the queue with. */
		spin_lock_irqsave(&vq->lock, flags);
		if (netif_queue_stopped(vnet->ndev))
			netif_wake_queue(vnet->ndev);
		spin_unlock_irqrestore(&vq->lock, flags);
		return;
	}
	local_bh_disable();
	napi_schedule(&vnet->napi);
	local_bh_enable();
}

static int mk_vnet_show(struct mk_vdev *vd, char *buf, int len)
{
	struct mk_vnet *vnet = mk_vnet_of(vd);

	return scnprintf(buf, len,
			 "virtio%u_netdev %s\nvirtio%u_mac %pM\nvirtio%u_mtu %u\nvirtio%u_no_buffer %llu\nvirtio%u_bad_length %llu\nvirtio%u_gso_to_spawn %llu\nvirtio%u_gso_from_spawn %llu\n",
			 vd->index, netdev_name(vnet->ndev), vd->index,
			 vnet->mac, vd->index, vnet->mtu, vd->index,
			 vnet->stats.no_buffer, vd->index,
			 vnet->stats.bad_length, vd->index,
			 vnet->stats.gso_to_spawn, vd->index,
			 vnet->stats.gso_from_spawn);
}

/* Destroy: unregister the netdev, free it and the device. */
static void mk_vnet_remove(struct mk_vdev *vd)
{
	struct mk_vnet *vnet = mk_vnet_of(vd);

	unregister_netdev(vnet->ndev);
	netif_napi_del(&vnet->napi);
	mk_vdev_free(vd);
	free_netdev(vnet->ndev);
}

static const struct mk_vdev_ops mk_vnet_ops = {
	.device_id	= VIRTIO_ID_NET,
	.features	= MK_VNET_FEATURES,
	.num_queues	= MK_VNET_QUEUES,
	.config_size	= sizeof(struct virtio_net_config),
	.fill_config	= mk_vnet_fill_config,
	.start		= mk_vnet_start,
	.stop		= mk_vnet_stop,
	.broken		= mk_vnet_broken,
	.kick		= mk_vnet_kick,
	.show		= mk_vnet_show,
	.remove		= mk_vnet_remove,
};

/*
 * May the spawn send a packet with @hdr, @len bytes after it? Only with
 * the offloads its driver took, as the virtio spec says, and segments
 * only of its MTU at most, checksum left to do (else -EPROTO); longer
 * than its MTU only as a segment (else -EMSGSIZE).
 */
static int mk_vnet_hdr_check(struct mk_vnet *vnet,
			     const struct virtio_net_hdr *hdr, size_t len)
{
	u64 features = READ_ONCE(vnet->vd->features);
	u8 gso = hdr->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;
	u64 need = 0;

	if (hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		need |= BIT_ULL(VIRTIO_NET_F_CSUM);
	if (hdr->gso_type & VIRTIO_NET_HDR_GSO_ECN)
		need |= BIT_ULL(VIRTIO_NET_F_HOST_ECN);
	switch (gso) {
	case VIRTIO_NET_HDR_GSO_NONE:
		if (len > VLAN_ETH_HLEN + vnet->mtu)
			return -EMSGSIZE;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		need |= BIT_ULL(VIRTIO_NET_F_HOST_TSO4);
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		need |= BIT_ULL(VIRTIO_NET_F_HOST_TSO6);
		break;
	default:
		return -EPROTO;
	}
	/* A segment's checksum is always left to do (virtio 1.2, 5.1.6.2). */
	if (gso != VIRTIO_NET_HDR_GSO_NONE &&
	    (!(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	     __virtio16_to_cpu(true, hdr->gso_size) > vnet->mtu))
		return -EPROTO;
	return (features & need) == need ? 0 : -EPROTO;
}

/*
 * @len bytes of the spawn's packet into a new skb: all in its head up to
 * a page, else the first MK_VNET_HEAD_LEN there (the protocol headers
 * and the checksum field) and the rest in page fragments. NULL on an
 * allocation failure, ERR_PTR(-EFAULT) when the data is not in the
 * I/O window.
 */
static struct sk_buff *mk_vnet_pull_skb(struct mk_vnet *vnet, struct mk_vq *vq,
					size_t len)
{
	size_t head = len > PAGE_SIZE ? MK_VNET_HEAD_LEN : len;
	struct sk_buff *skb;
	struct page *page;
	size_t chunk;
	ssize_t got;

	skb = napi_alloc_skb(&vnet->napi, head);
	if (!skb)
		return NULL;
	got = vringh_iov_pull_iotlb(&vq->vrh, &vnet->rx_iov, skb_put(skb, head),
				    head);
	if (got != head)
		goto fault;
	for (len -= head; len; len -= chunk) {
		chunk = min_t(size_t, len, PAGE_SIZE);
		page = dev_alloc_page();
		if (!page) {
			kfree_skb(skb);
			return NULL;
		}
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, page, 0, chunk,
				PAGE_SIZE);
		got = vringh_iov_pull_iotlb(&vq->vrh, &vnet->rx_iov,
					    page_address(page), chunk);
		if (got != chunk)
			goto fault;
	}
	return skb;

fault:
	kfree_skb(skb);
	return ERR_PTR(-EFAULT);
}

/*
 * One packet the spawn sent, into an skb; NULL when there is none (or it
 * was dropped). *@head is the chain to complete, or -1. With the
 * queue's lock held.
 */
static struct sk_buff *mk_vnet_pull(struct mk_vnet *vnet, struct mk_vq *vq,
				    int *head)
{
	struct virtio_net_hdr_mrg_rxbuf hdr;
	struct sk_buff *skb;
	size_t len;
	ssize_t got;
	u16 h;
	int ret;

	*head = -1;
	ret = vringh_getdesc_iotlb(&vq->vrh, &vnet->rx_iov, NULL, &h,
				   GFP_ATOMIC);
	if (ret <= 0) {
		if (ret < 0)
			mk_vdev_broken(vnet->vd, "bad transmit descriptor");
		return NULL;
	}
	*head = h;
	len = 0;
	for (ret = vnet->rx_iov.i; ret < vnet->rx_iov.used; ret++)
		len += vnet->rx_iov.iov[ret].iov_len;
	len -= vnet->rx_iov.consumed;
	if (len < sizeof(hdr) + ETH_HLEN || len > sizeof(hdr) + MK_VNET_GSO_MAX) {
		vnet->stats.bad_length++;
		return NULL;
	}
	got = vringh_iov_pull_iotlb(&vq->vrh, &vnet->rx_iov, &hdr, sizeof(hdr));
	if (got != sizeof(hdr))
		goto fault;
	len -= sizeof(hdr);
	ret = mk_vnet_hdr_check(vnet, &hdr.hdr, len);
	if (ret == -EMSGSIZE) {
		vnet->stats.bad_length++;
		return NULL;
	}
	if (ret) {
		mk_vdev_broken(vnet->vd, "virtio_net_hdr asks for an offload not negotiated");
		return NULL;
	}
	skb = mk_vnet_pull_skb(vnet, vq, len);
	if (IS_ERR(skb))
		goto fault;
	if (!skb) {
		vnet->ndev->stats.rx_dropped++;
		return NULL;
	}
	/* As tun: checked, SKB_GSO_DODGY, for the stack to check again. */
	if (virtio_net_hdr_to_skb(skb, &hdr.hdr, true)) {
		kfree_skb(skb);
		mk_vdev_broken(vnet->vd, "bad virtio_net_hdr");
		return NULL;
	}
	/* Short "segments" are left whole: the MTU holds for them too. */
	if (!skb_is_gso(skb) && skb->len > VLAN_ETH_HLEN + vnet->mtu) {
		vnet->stats.bad_length++;
		kfree_skb(skb);
		return NULL;
	}
	if (skb_is_gso(skb))
		vnet->stats.gso_from_spawn++;
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		vnet->stats.csum_from_spawn++;
	return skb;

fault:
	mk_vdev_broken(vnet->vd, "transmit buffer outside the I/O window");
	return NULL;
}

static int mk_vnet_poll(struct napi_struct *napi, int budget)
{
	struct mk_vnet *vnet = container_of(napi, struct mk_vnet, napi);
	struct mk_vdev *vd = vnet->vd;
	struct mk_vq *vq = &vd->vqs[MK_VNET_TX_QUEUE];
	struct sk_buff *skb;
	bool notify = false;
	int done = 0, head;

	unsigned long flags;

	/* netpoll: nothing to send back here. */
	if (!budget)
		return 0;
	spin_lock_irqsave(&vq->lock, flags);
	if (mk_vq_usable(vd, vq))
		vringh_notify_disable_iotlb(&vq->vrh);
	/* Once: getdesc reuses an array it had to grow for a long chain. */
	vringh_kiov_init(&vnet->rx_iov, vnet->rx_stack,
			 ARRAY_SIZE(vnet->rx_stack));
	while (done < budget && mk_vq_usable(vd, vq)) {
		skb = mk_vnet_pull(vnet, vq, &head);
		if (head < 0)
			break;
		vringh_complete_iotlb(&vq->vrh, head, 0);
		notify = true;
		done++;
		if (!skb)
			continue;
		spin_unlock_irqrestore(&vq->lock, flags);
		skb->protocol = eth_type_trans(skb, vnet->ndev);
		dev_sw_netstats_rx_add(vnet->ndev, skb->len);
		napi_gro_receive(napi, skb);
		spin_lock_irqsave(&vq->lock, flags);
	}
	vringh_kiov_cleanup(&vnet->rx_iov);
	if (notify && mk_vq_usable(vd, vq) &&
	    vringh_need_notify_iotlb(&vq->vrh) > 0)
		mk_vdev_interrupt(vd, MK_VNET_TX_QUEUE);
	spin_unlock_irqrestore(&vq->lock, flags);

	if (done < budget && napi_complete_done(napi, done)) {
		/* Kicks again; unless more came meanwhile: then poll on. */
		spin_lock_irqsave(&vq->lock, flags);
		if (mk_vq_usable(vd, vq) &&
		    !vringh_notify_enable_iotlb(&vq->vrh))
			napi_schedule(napi);
		spin_unlock_irqrestore(&vq->lock, flags);
	}
	return done;
}

/* Done with the buffers mk_vnet_take_bufs() kept (or gave back). */
static void mk_vnet_put_bufs(struct mk_vnet *vnet)
{
	struct mk_vnet_fill *f = &vnet->fill;

	while (f->nr)
		vringh_kiov_cleanup(&f->iov[--f->nr]);
}

/*
 * The spawn's receive buffers for a packet of @need bytes, header
 * included, into vnet->fill: one buffer, or with mergeable buffers as
 * many as it takes, never more than the ring holds. Return: 0;
 * -EAGAIN when the spawn has not posted enough (those there are kept,
 * for mk_vnet_wait_bufs()); -ENOSPC when they are too small (all kept,
 * for the spawn to get back empty); -ENOMEM (none kept); -EINVAL when a
 * descriptor is bad. With the queue's lock held.
 */
static int mk_vnet_take_bufs(struct mk_vnet *vnet, struct vringh *vrh,
			     size_t need, bool mergeable)
{
	struct mk_vnet_fill *f = &vnet->fill;
	unsigned int max = mergeable ? min(MK_VNET_RX_BUFS, vrh->vring.num) : 1;
	size_t room = 0;
	u16 head;
	int ret;

	f->cur = 0;
	for (f->nr = 0; room < need; f->nr++) {
		if (f->nr == max)
			return -ENOSPC;
		/* The first may be a non-mergeable 64 KiB one: a long chain. */
		if (f->nr)
			vringh_kiov_init(&f->iov[f->nr], f->stack[f->nr],
					 MK_VNET_RX_BUF_IOV);
		else
			vringh_kiov_init(&f->iov[0], f->stack0,
					 ARRAY_SIZE(f->stack0));
		ret = vringh_getdesc_iotlb(vrh, NULL, &f->iov[f->nr], &head,
					   GFP_ATOMIC);
		if (ret <= 0) {
			vringh_kiov_cleanup(&f->iov[f->nr]);
			if (!ret)
				return -EAGAIN;
			if (ret != -ENOMEM)
				return -EINVAL;
			/* Its head was taken before the allocation failed. */
			vringh_abandon_iotlb(vrh, f->nr + 1);
			mk_vnet_put_bufs(vnet);
			return -ENOMEM;
		}
		f->used[f->nr].id = cpu_to_vringh32(vrh, head);
		f->len[f->nr] = 0;
		room += vringh_kiov_length(&f->iov[f->nr]);
	}
	return 0;
}

/*
 * The spawn has not posted enough buffers for this packet: ask for a
 * kick once it posts more than those taken, give those back, and stop
 * the queue until the kick (mk_vnet_kick() wakes it), unless more came
 * in meanwhile.
 */
static void mk_vnet_wait_bufs(struct mk_vnet *vnet, struct vringh *vrh)
{
	netif_stop_queue(vnet->ndev);
	if (!vringh_notify_enable_iotlb(vrh))
		netif_wake_queue(vnet->ndev);
	vringh_abandon_iotlb(vrh, vnet->fill.nr);
}

/*
 * May @skb, a segment, go to the spawn as it is? Only with the offloads
 * its driver took now: it may have reset and taken fewer since
 * mk_vnet_features_check() passed the packet.
 */
static bool mk_vnet_gso_taken(const struct sk_buff *skb, u64 taken)
{
	unsigned int type = skb_shinfo(skb)->gso_type;

	if (!(taken & BIT_ULL(VIRTIO_NET_F_GUEST_CSUM)))
		return false;
	if ((type & SKB_GSO_TCPV4) && !(taken & BIT_ULL(VIRTIO_NET_F_GUEST_TSO4)))
		return false;
	if ((type & SKB_GSO_TCPV6) && !(taken & BIT_ULL(VIRTIO_NET_F_GUEST_TSO6)))
		return false;
	return !(type & SKB_GSO_TCP_ECN) ||
	       (taken & BIT_ULL(VIRTIO_NET_F_GUEST_ECN));
}

/*
 * @len bytes into the buffers taken, on from where the last call
 * stopped. Return: 0, -ENOSPC when they are full, or -EFAULT when one is
 * not in the I/O window.
 */
static int mk_vnet_fill_bytes(struct mk_vnet *vnet, struct vringh *vrh,
			      const void *src, size_t len)
{
	struct mk_vnet_fill *f = &vnet->fill;
	ssize_t put;

	while (len) {
		if (f->cur == f->nr)
			return -ENOSPC;
		put = vringh_iov_push_iotlb(vrh, &f->iov[f->cur], src, len);
		if (put < 0)
			return put;
		f->len[f->cur] += put;
		src += put;
		len -= put;
		if (len)
			f->cur++;
	}
	return 0;
}

/* @skb's head, then each fragment page by page, into the buffers taken. */
static int mk_vnet_fill_skb(struct mk_vnet *vnet, struct vringh *vrh,
			    struct sk_buff *skb)
{
	u32 p_off, p_len, copied;
	struct page *page;
	unsigned int i;
	void *vaddr;
	int ret;

	ret = mk_vnet_fill_bytes(vnet, vrh, skb->data, skb_headlen(skb));
	for (i = 0; !ret && i < skb_shinfo(skb)->nr_frags; i++) {
		skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		skb_frag_foreach_page(frag, skb_frag_off(frag),
				      skb_frag_size(frag), page, p_off, p_len,
				      copied) {
			vaddr = kmap_local_page(page);
			ret = mk_vnet_fill_bytes(vnet, vrh, vaddr + p_off,
						 p_len);
			kunmap_local(vaddr);
			if (ret)
				break;
		}
	}
	return ret;
}

/* Hand the buffers taken to the spawn, all at once, with what they hold. */
static void mk_vnet_complete_bufs(struct mk_vnet *vnet, struct mk_vq *vq)
{
	struct mk_vnet_fill *f = &vnet->fill;
	unsigned int i;

	for (i = 0; i < f->nr; i++)
		f->used[i].len = cpu_to_vringh32(&vq->vrh, f->len[i]);
	if (vringh_complete_multi_iotlb(&vq->vrh, f->used, f->nr))
		mk_vdev_broken(vnet->vd, "used ring outside the I/O window");
	else if (vringh_need_notify_iotlb(&vq->vrh) > 0)
		mk_vdev_interrupt(vnet->vd, MK_VNET_RX_QUEUE);
}

/*
 * Offloads the spawn's driver did not take are done here, in software,
 * before mk_vnet_xmit() sees the packet.
 */
static netdev_features_t mk_vnet_features_check(struct sk_buff *skb,
						struct net_device *ndev,
						netdev_features_t features)
{
	struct mk_vnet *vnet = netdev_priv(ndev);
	u64 taken = READ_ONCE(vnet->vd->features);

	if (!(taken & BIT_ULL(VIRTIO_NET_F_GUEST_CSUM)))
		return features & ~(NETIF_F_CSUM_MASK | NETIF_F_GSO_MASK);
	if (!(taken & BIT_ULL(VIRTIO_NET_F_GUEST_TSO4)))
		features &= ~NETIF_F_TSO;
	if (!(taken & BIT_ULL(VIRTIO_NET_F_GUEST_TSO6)))
		features &= ~NETIF_F_TSO6;
	if (!(taken & BIT_ULL(VIRTIO_NET_F_GUEST_ECN)))
		features &= ~NETIF_F_TSO_ECN;
	return features;
}

/* Host transmits: into the spawn's next receive buffer (or buffers). */
static netdev_tx_t mk_vnet_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct mk_vnet *vnet = netdev_priv(ndev);
	struct mk_vdev *vd = vnet->vd;
	struct mk_vq *vq = &vd->vqs[MK_VNET_RX_QUEUE];
	struct virtio_net_hdr_mrg_rxbuf hdr;
	u64 taken = READ_ONCE(vd->features);
	bool csum_ok = taken & BIT_ULL(VIRTIO_NET_F_GUEST_CSUM);
	unsigned long flags;
	int ret;

	/* The driver may have changed its mind since features_check. */
	if (skb_is_gso(skb) && !mk_vnet_gso_taken(skb, taken))
		goto drop;
	if (skb->ip_summed == CHECKSUM_PARTIAL && !csum_ok &&
	    skb_checksum_help(skb))
		goto drop;
	if (virtio_net_hdr_from_skb(skb, &hdr.hdr, true, csum_ok, 0))
		goto drop;
	spin_lock_irqsave(&vq->lock, flags);
	if (!mk_vq_usable(vd, vq))
		goto drop_unlock;
	ret = mk_vnet_take_bufs(vnet, &vq->vrh, sizeof(hdr) + skb->len,
				taken & BIT_ULL(VIRTIO_NET_F_MRG_RXBUF));
	if (ret == -EINVAL) {
		mk_vdev_broken(vd, "bad receive descriptor");
		goto drop_put;
	}
	if (ret == -EAGAIN) {
		vnet->stats.no_buffer++;
		mk_vnet_wait_bufs(vnet, &vq->vrh);
		goto drop_put;
	}
	if (ret == -ENOMEM)
		goto drop_unlock;
	if (!ret) {
		hdr.num_buffers = __cpu_to_virtio16(true, vnet->fill.nr);
		ret = mk_vnet_fill_bytes(vnet, &vq->vrh, &hdr, sizeof(hdr));
		if (!ret)
			ret = mk_vnet_fill_skb(vnet, &vq->vrh, skb);
	}
	if (ret == -EFAULT) {
		mk_vdev_broken(vd, "receive buffer outside the I/O window");
		goto drop_put;
	}
	if (ret) {
		/* Too small buffers: the spawn gets them back empty. */
		vnet->stats.bad_length++;
		memset(vnet->fill.len, 0, sizeof(vnet->fill.len));
		mk_vnet_complete_bufs(vnet, vq);
		goto drop_put;
	}
	mk_vnet_complete_bufs(vnet, vq);
	mk_vnet_put_bufs(vnet);
	if (skb_is_gso(skb))
		vnet->stats.gso_to_spawn++;
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		vnet->stats.csum_to_spawn++;
	spin_unlock_irqrestore(&vq->lock, flags);
	dev_sw_netstats_tx_add(ndev, 1, skb->len);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;

drop_put:
	mk_vnet_put_bufs(vnet);
drop_unlock:
	spin_unlock_irqrestore(&vq->lock, flags);
drop:
	dev_core_stats_tx_dropped_inc(ndev);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static int mk_vnet_open(struct net_device *ndev)
{
	struct mk_vnet *vnet = netdev_priv(ndev);

	napi_enable(&vnet->napi);
	/* What the spawn sent while the interface was down. */
	local_bh_disable();
	napi_schedule(&vnet->napi);
	local_bh_enable();
	netif_start_queue(ndev);
	return 0;
}

static int mk_vnet_close(struct net_device *ndev)
{
	struct mk_vnet *vnet = netdev_priv(ndev);

	netif_stop_queue(ndev);
	napi_disable(&vnet->napi);
	return 0;
}

static const struct net_device_ops mk_vnet_netdev_ops = {
	.ndo_open		= mk_vnet_open,
	.ndo_stop		= mk_vnet_close,
	.ndo_start_xmit		= mk_vnet_xmit,
	.ndo_features_check	= mk_vnet_features_check,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
};

static void mk_vnet_get_drvinfo(struct net_device *ndev,
				struct ethtool_drvinfo *info)
{
	struct mk_vnet *vnet = netdev_priv(ndev);

	strscpy(info->driver, "multikernel", sizeof(info->driver));
	snprintf(info->bus_info, sizeof(info->bus_info), "instance:%s:%u",
		 vnet->vd->inst->name, vnet->vd->index);
}

static int mk_vnet_get_sset_count(struct net_device *ndev, int sset)
{
	return sset == ETH_SS_STATS ? ARRAY_SIZE(mk_vnet_stat_names) :
				      -EOPNOTSUPP;
}

static void mk_vnet_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, mk_vnet_stat_names, sizeof(mk_vnet_stat_names));
}

/*
 * Read unlocked: each counter is a u64 that only grows (an atomic64_t
 * one too: the same eight bytes).
 */
static_assert(sizeof(atomic64_t) == sizeof(u64));
static void mk_vnet_get_ethtool_stats(struct net_device *ndev,
				      struct ethtool_stats *estats, u64 *data)
{
	struct mk_vnet *vnet = netdev_priv(ndev);
	const u64 *own = (const u64 *)&vnet->stats;
	const u64 *dev = (const u64 *)&vnet->vd->stats;
	unsigned int i;

	for (i = 0; i < MK_VNET_OWN_STATS; i++)
		*data++ = READ_ONCE(own[i]);
	for (i = 0; i < MK_VNET_VDEV_STATS; i++)
		*data++ = READ_ONCE(dev[i]);
}

static const struct ethtool_ops mk_vnet_ethtool_ops = {
	.get_drvinfo		= mk_vnet_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= mk_vnet_get_sset_count,
	.get_strings		= mk_vnet_get_strings,
	.get_ethtool_stats	= mk_vnet_get_ethtool_stats,
};

/* Stable across boots: from the instance name and the NIC's number. */
static void mk_vnet_make_mac(const char *name, unsigned int nr, u8 *mac)
{
	u32 hash = jhash(name, strlen(name), nr);

	mac[0] = MK_VNET_MAC_PREFIX0;
	mac[1] = MK_VNET_MAC_PREFIX1;
	memcpy(&mac[2], &hash, sizeof(hash));
}

static int mk_vnet_create(struct mk_instance *inst, unsigned int nr,
			  const struct mk_net_req *req, unsigned int req_mtu)
{
	char ifname[IFNAMSIZ];
	u8 host_mac[ETH_ALEN];
	struct net_device *ndev;
	struct mk_vnet *vnet;
	int len, ret;

	if (nr)
		len = snprintf(ifname, sizeof(ifname), "mk-%s.%u", inst->name, nr);
	else
		len = snprintf(ifname, sizeof(ifname), "mk-%s", inst->name);
	if (len >= sizeof(ifname)) {
		pr_warn_ratelimited("create %s: net: interface name mk-%s too long (at most %d characters)\n",
				    inst->name, inst->name, IFNAMSIZ - 1);
		return -ENAMETOOLONG;
	}
	ndev = alloc_netdev(sizeof(*vnet), ifname, NET_NAME_PREDICTABLE,
			    ether_setup);
	if (!ndev)
		return -ENOMEM;
	vnet = netdev_priv(ndev);
	vnet->ndev = ndev;
	if (req->mac_set)
		ether_addr_copy(vnet->mac, req->mac);
	else
		mk_vnet_make_mac(inst->name, nr, vnet->mac);
	/* The host's end gets its own address: the spawn's, one bit off. */
	ether_addr_copy(host_mac, vnet->mac);
	host_mac[ETH_ALEN - 1] ^= 1;
	eth_hw_addr_set(ndev, host_mac);
	ndev->netdev_ops = &mk_vnet_netdev_ops;
	ndev->ethtool_ops = &mk_vnet_ethtool_ops;
	ndev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	vnet->mtu = req_mtu ?: MK_NET_MTU_DEFAULT;
	ndev->mtu = vnet->mtu;
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = vnet->mtu;
	ndev->hw_features = MK_VNET_NETIF_OFFLOADS;
	ndev->features = MK_VNET_NETIF_OFFLOADS | NETIF_F_HIGHDMA;
	ndev->vlan_features = MK_VNET_NETIF_OFFLOADS | NETIF_F_HIGHDMA;
	netif_napi_add(ndev, &vnet->napi, mk_vnet_poll);
	netif_carrier_off(ndev);

	vnet->vd = mk_vdev_create(inst, &mk_vnet_ops, vnet);
	if (IS_ERR(vnet->vd)) {
		ret = PTR_ERR(vnet->vd);
		goto out_free;
	}
	ret = register_netdev(ndev);
	if (ret) {
		pr_warn_ratelimited("create %s: cannot register %s (%d)\n",
				    inst->name, ifname, ret);
		goto out_vdev;
	}
	return 0;

out_vdev:
	inst->vdevs[--inst->nr_vdevs] = NULL;
	mk_vdev_free(vnet->vd);
out_free:
	netif_napi_del(&vnet->napi);
	free_netdev(ndev);
	return ret;
}

/**
 * mk_vnets_create() - the virtio NICs a create line asked for
 * @inst:	the instance being created, its I/O window allocated
 * @req:	the create line
 *
 * Return: 0, or -ENAMETOOLONG (the netdev's name would not fit),
 * -ENOMEM, or what register_netdev() failed with; on failure the NICs
 * made so far stay for mk_vdevs_destroy().
 */
int mk_vnets_create(struct mk_instance *inst, const struct mk_create_req *req)
{
	unsigned int i;
	int ret;

	for (i = 0; i < req->nr_net; i++) {
		ret = mk_vnet_create(inst, i, &req->net[i], req->mtu);
		if (ret)
			return ret;
	}
	return 0;
}

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
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/etherdevice.h>
#include <linux/ethtool.h>
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
#define MK_VNET_MTU		ETH_DATA_LEN
/* Descriptors per packet before vringh allocates a longer iov. */
#define MK_VNET_IOV		8
/* Locally administered, and "M" for multikernel. */
#define MK_VNET_MAC_PREFIX0	0x02
#define MK_VNET_MAC_PREFIX1	0x4d

#define MK_VNET_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) | \
				 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) | \
				 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | \
				 BIT_ULL(VIRTIO_NET_F_MAC) | \
				 BIT_ULL(VIRTIO_NET_F_MTU) | \
				 BIT_ULL(VIRTIO_NET_F_STATUS))

/**
 * struct mk_vnet - the host's end of one spawn NIC
 * @ndev:	the host's netdev
 * @vd:		the virtio device
 * @napi:	takes what the spawn transmits
 * @mac:	the spawn's MAC address
 * @rx_iov:	for the NAPI poll (spawn's transmit queue)
 * @rx_stack:	@rx_iov's first entries
 * @tx_iov:	for the host's transmit (spawn's receive queue)
 * @tx_stack:	@tx_iov's first entries
 * @no_buffer:	host transmits dropped: the spawn had no receive buffer
 * @bad_length:	packets dropped for a length the protocol does not allow
 */
struct mk_vnet {
	struct net_device *ndev;
	struct mk_vdev *vd;
	struct napi_struct napi;
	u8 mac[ETH_ALEN];
	struct vringh_kiov rx_iov;
	struct kvec rx_stack[MK_VNET_IOV];
	struct vringh_kiov tx_iov;
	struct kvec tx_stack[MK_VNET_IOV];
	u64 no_buffer;
	u64 bad_length;
};

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
	cfg.mtu = __cpu_to_virtio16(true, MK_VNET_MTU);
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
			 "virtio%u_netdev %s\nvirtio%u_mac %pM\nvirtio%u_no_buffer %llu\nvirtio%u_bad_length %llu\n",
			 vd->index, netdev_name(vnet->ndev), vd->index,
			 vnet->mac, vd->index, vnet->no_buffer, vd->index,
			 vnet->bad_length);
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
 * One packet the spawn sent, into an skb; NULL when there is none (or it
 * was dropped). *@head is the chain to complete, or -1. With the
 * queue's lock held.
 */
static struct sk_buff *mk_vnet_pull(struct mk_vnet *vnet, struct mk_vq *vq,
				    int *head)
{
	struct virtio_net_hdr_v1 hdr;
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
	if (len < sizeof(hdr) + ETH_HLEN ||
	    len > sizeof(hdr) + VLAN_ETH_HLEN + MK_VNET_MTU) {
		vnet->bad_length++;
		return NULL;
	}
	got = vringh_iov_pull_iotlb(&vq->vrh, &vnet->rx_iov, &hdr, sizeof(hdr));
	if (got != sizeof(hdr))
		goto fault;
	len -= sizeof(hdr);
	skb = napi_alloc_skb(&vnet->napi, len);
	if (!skb) {
		vnet->ndev->stats.rx_dropped++;
		return NULL;
	}
	got = vringh_iov_pull_iotlb(&vq->vrh, &vnet->rx_iov, skb_put(skb, len),
				    len);
	if (got != len) {
		kfree_skb(skb);
		goto fault;
	}
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

/* Host transmits: into the spawn's next receive buffer. */
static netdev_tx_t mk_vnet_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct mk_vnet *vnet = netdev_priv(ndev);
	struct mk_vdev *vd = vnet->vd;
	struct mk_vq *vq = &vd->vqs[MK_VNET_RX_QUEUE];
	struct virtio_net_hdr_v1 hdr = { .num_buffers = __cpu_to_virtio16(true, 1) };
	unsigned long flags;
	ssize_t put;
	u16 head;
	int ret;

	if (skb_linearize(skb))
		goto drop;
	spin_lock_irqsave(&vq->lock, flags);
	if (!mk_vq_usable(vd, vq))
		goto drop_unlock;
	vringh_kiov_init(&vnet->tx_iov, vnet->tx_stack,
			 ARRAY_SIZE(vnet->tx_stack));
	ret = vringh_getdesc_iotlb(&vq->vrh, NULL, &vnet->tx_iov, &head,
				   GFP_ATOMIC);
	if (ret <= 0) {
		if (ret < 0) {
			mk_vdev_broken(vd, "bad receive descriptor");
		} else {
			/* Until the spawn posts buffers: it kicks then. */
			vnet->no_buffer++;
			netif_stop_queue(ndev);
			/* False: some came in meanwhile. */
			if (!vringh_notify_enable_iotlb(&vq->vrh))
				netif_wake_queue(ndev);
		}
		goto drop_cleanup;
	}
	put = vringh_iov_push_iotlb(&vq->vrh, &vnet->tx_iov, &hdr, sizeof(hdr));
	if (put == sizeof(hdr))
		put = vringh_iov_push_iotlb(&vq->vrh, &vnet->tx_iov, skb->data,
					    skb->len);
	if (put < 0) {
		mk_vdev_broken(vd, "receive buffer outside the I/O window");
		goto drop_cleanup;
	}
	if (put != skb->len) {
		/* Too small a buffer: the spawn gets an empty one back. */
		vnet->bad_length++;
		vringh_complete_iotlb(&vq->vrh, head, 0);
		goto drop_cleanup;
	}
	vringh_complete_iotlb(&vq->vrh, head, sizeof(hdr) + skb->len);
	if (vringh_need_notify_iotlb(&vq->vrh) > 0)
		mk_vdev_interrupt(vd, MK_VNET_RX_QUEUE);
	vringh_kiov_cleanup(&vnet->tx_iov);
	spin_unlock_irqrestore(&vq->lock, flags);
	dev_sw_netstats_tx_add(ndev, 1, skb->len);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;

drop_cleanup:
	vringh_kiov_cleanup(&vnet->tx_iov);
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

static const struct ethtool_ops mk_vnet_ethtool_ops = {
	.get_drvinfo	= mk_vnet_get_drvinfo,
	.get_link	= ethtool_op_get_link,
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
			  const struct mk_net_req *req)
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
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = MK_VNET_MTU;
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
		ret = mk_vnet_create(inst, i, &req->net[i]);
		if (ret)
			return ret;
	}
	return 0;
}

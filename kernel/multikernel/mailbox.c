// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: the mailbox, messages between two kernels.
 *
 * A channel joins two rings in the shared area (host to spawn, spawn to
 * host) and a doorbell: an IPI on a dedicated vector sent to one physical
 * APIC id of the peer. Senders publish the record, then ring the doorbell
 * unless the peer says it is draining anyway. The doorbell interrupt
 * handles a bounded number of records itself (a round trip costs two
 * interrupts and no context switch) and leaves the rest to a work item,
 * so a peer that floods the ring cannot hold a CPU in interrupt context.
 *
 * Everything read from the peer is validated by ring.c; a channel whose
 * peer broke the protocol stops and reports -EPROTO to its owner.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "internal.h"

static mk_msg_handler_t mk_handlers[MK_MSG_TYPE_MAX];

/**
 * mk_msg_register_handler() - handle one message type
 * @type:	the type; each type has at most one handler
 * @handler:	called for each record of @type, with the payload copied
 *		out of shared memory; NULL removes. Runs in the doorbell
 *		interrupt or with interrupts off: it must not sleep.
 *
 * Return: 0, -EINVAL for an unknown type, -EBUSY when taken.
 */
int mk_msg_register_handler(enum mk_msg_type type, mk_msg_handler_t handler)
{
	if (type <= MK_MSG_PAD || type >= MK_MSG_TYPE_MAX)
		return -EINVAL;
	if (handler && cmpxchg(&mk_handlers[type], NULL, handler))
		return -EBUSY;
	if (!handler)
		WRITE_ONCE(mk_handlers[type], NULL);
	return 0;
}
EXPORT_SYMBOL_GPL(mk_msg_register_handler);

/**
 * mk_channel_ring_doorbell() - interrupt the peer, counted
 * @ch:		the channel, with @ch->tx_lock held
 *
 * The count in the ring lets the peer bound the rate of our doorbells.
 */
void mk_channel_ring_doorbell(struct mk_channel *ch)
{
	lockdep_assert_held(&ch->tx_lock);
	ch->stats.doorbells++;
	mk_ring_note_doorbell(&ch->tx);
	mk_arch_doorbell(ch->peer_hw_id);
}
EXPORT_SYMBOL_IF_KUNIT(mk_channel_ring_doorbell);

/* Send with tx_lock held. */
static int mk_channel_send_locked(struct mk_channel *ch, enum mk_msg_type type,
				  const void *buf, u32 len)
{
	int ret;

	lockdep_assert_held(&ch->tx_lock);
	if (!ch->up)
		return -EPIPE;
	ret = mk_ring_send(&ch->tx, type, buf, len);
	if (ret == -EAGAIN)
		ch->stats.full++;
	if (ret)
		return ret;
	ch->stats.sent++;
	if (mk_ring_wants_doorbell(&ch->tx))
		mk_channel_ring_doorbell(ch);
	return 0;
}

/**
 * mk_channel_send() - send one message to the peer
 * @ch:		the channel
 * @type:	message type
 * @buf:	payload
 * @len:	payload bytes, at most %MK_MSG_MAX_PAYLOAD
 *
 * Never blocks; callable from any context but NMI.
 *
 * Return: 0, -EPIPE when the channel is down (peer not running),
 * -EAGAIN when the ring is full (counted), -EMSGSIZE, or -EPROTO.
 */
int mk_channel_send(struct mk_channel *ch, enum mk_msg_type type,
		    const void *buf, u32 len)
{
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&ch->tx_lock, flags);
	ret = mk_channel_send_locked(ch, type, buf, len);
	spin_unlock_irqrestore(&ch->tx_lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(mk_channel_send);

/**
 * mk_channel_try_send() - send one message unless that means waiting
 * @ch:		the channel
 * @type:	message type
 * @buf:	payload
 * @len:	payload bytes
 *
 * For a dying kernel: another CPU may have been stopped while it held
 * the channel's lock, so this gives up instead of spinning on it.
 *
 * Return: as mk_channel_send(), or -EBUSY when the lock was taken.
 */
int mk_channel_try_send(struct mk_channel *ch, enum mk_msg_type type,
			const void *buf, u32 len)
{
	unsigned long flags;
	int ret;

	if (!spin_trylock_irqsave(&ch->tx_lock, flags))
		return -EBUSY;
	ret = mk_channel_send_locked(ch, type, buf, len);
	spin_unlock_irqrestore(&ch->tx_lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mk_channel_try_send);

/*
 * Take up to @budget records off the receive ring and handle them.
 * Returns true when records are left for later. Called with rx_lock
 * held and interrupts off.
 */
static bool mk_channel_drain(struct mk_channel *ch, unsigned int budget)
{
	mk_msg_handler_t handler;
	u16 type;
	int ret;

	lockdep_assert_held(&ch->rx_lock);
	if (!READ_ONCE(ch->up) || READ_ONCE(ch->rx_paused) || ch->error)
		return false;
	mk_ring_set_draining(&ch->rx, true);
	for (;;) {
		if (!budget--)
			return true;
		ret = mk_ring_recv(&ch->rx, &type, ch->rx_buf,
				   sizeof(ch->rx_buf));
		if (ret == -ENODATA) {
			mk_ring_set_draining(&ch->rx, false);
			if (mk_ring_empty(&ch->rx))
				return false;
			mk_ring_set_draining(&ch->rx, true);
			continue;
		}
		if (ret < 0) {
			pr_warn_ratelimited("%s: corrupt mailbox from peer (%d)\n",
					    ch->name, ret);
			WRITE_ONCE(ch->error, ret);
			return false;
		}
		ch->stats.received++;
		handler = READ_ONCE(mk_handlers[type]);
		if (handler)
			handler(ch, type, ch->rx_buf, ret);
		else
			ch->stats.unhandled++;
	}
}

/* What the doorbell interrupt did not get to. */
static void mk_channel_rx_work(struct work_struct *work)
{
	struct mk_channel *ch = container_of(work, struct mk_channel, rx_work);
	unsigned long flags;
	bool more;

	spin_lock_irqsave(&ch->rx_lock, flags);
	more = mk_channel_drain(ch, MK_RX_WORK_BUDGET);
	spin_unlock_irqrestore(&ch->rx_lock, flags);
	if (more)
		queue_work(system_highpri_wq, &ch->rx_work);
}

/**
 * mk_channel_init() - set up a channel that is not connected yet
 * @ch:		the channel
 * @name:	for messages
 */
void mk_channel_init(struct mk_channel *ch, const char *name)
{
	spin_lock_init(&ch->tx_lock);
	spin_lock_init(&ch->rx_lock);
	INIT_WORK(&ch->rx_work, mk_channel_rx_work);
	ch->name = name;
	ch->up = false;
}
EXPORT_SYMBOL_IF_KUNIT(mk_channel_init);

/**
 * mk_channel_connect() - attach a channel to its rings and open it
 * @ch:		the channel, down
 * @tx:		ring this side produces into
 * @rx:		ring this side consumes from
 * @peer_hw_id:	where the doorbell goes (a physical APIC id on x86)
 * @reset:	true for the side that owns the rings and empties them
 */
void mk_channel_connect(struct mk_channel *ch, struct mk_ring *tx,
			struct mk_ring *rx, u32 peer_hw_id, bool reset)
{
	unsigned long flags;

	/* Both ends change: no drain (rx_lock) and no send (tx_lock) meanwhile. */
	spin_lock_irqsave(&ch->rx_lock, flags);
	spin_lock(&ch->tx_lock);
	if (reset) {
		mk_ring_init(tx, &ch->tx, NULL, MK_RING_DATA_SIZE);
		mk_ring_init(rx, NULL, &ch->rx, MK_RING_DATA_SIZE);
	} else {
		mk_ring_attach(&ch->tx, tx, MK_RING_DATA_SIZE);
		mk_ring_attach(&ch->rx, rx, MK_RING_DATA_SIZE);
	}
	ch->peer_hw_id = peer_hw_id;
	ch->error = 0;
	memset(&ch->stats, 0, sizeof(ch->stats));
	WRITE_ONCE(ch->up, true);
	spin_unlock(&ch->tx_lock);
	spin_unlock_irqrestore(&ch->rx_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mk_channel_connect);

/**
 * mk_channel_disconnect() - close a channel; senders get -EPIPE
 * @ch:		the channel
 *
 * Waits for a running receive to finish; must not be called from a
 * handler.
 */
void mk_channel_disconnect(struct mk_channel *ch)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->tx_lock, flags);
	WRITE_ONCE(ch->up, false);
	spin_unlock_irqrestore(&ch->tx_lock, flags);
	/* Wait for a drain in the doorbell interrupt on another CPU. */
	spin_lock_irqsave(&ch->rx_lock, flags);
	spin_unlock_irqrestore(&ch->rx_lock, flags);
	cancel_work_sync(&ch->rx_work);
}
EXPORT_SYMBOL_IF_KUNIT(mk_channel_disconnect);

/**
 * mk_channel_kick() - handle what the peer sent
 * @ch:		the channel
 *
 * Called from the doorbell interrupt (or with interrupts off); cheap
 * when there is nothing new.
 */
void mk_channel_kick(struct mk_channel *ch)
{
	unsigned long flags;
	bool more;

	if (!READ_ONCE(ch->up) || mk_ring_empty(&ch->rx))
		return;
	spin_lock_irqsave(&ch->rx_lock, flags);
	more = mk_channel_drain(ch, MK_RX_IRQ_BUDGET);
	spin_unlock_irqrestore(&ch->rx_lock, flags);
	if (more)
		queue_work(system_highpri_wq, &ch->rx_work);
}
EXPORT_SYMBOL_IF_KUNIT(mk_channel_kick);

/**
 * mk_ring_empty_for_peer() - has the peer taken everything we sent?
 * @ch:		the channel
 *
 * Return: true when the peer's tail has caught up with our head, or the
 * channel is down.
 */
bool mk_ring_empty_for_peer(struct mk_channel *ch)
{
	return !READ_ONCE(ch->up) ||
	       le64_to_cpu(READ_ONCE(ch->tx.ring->tail)) == ch->tx.pos;
}

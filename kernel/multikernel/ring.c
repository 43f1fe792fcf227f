// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: the mailbox ring, one direction (struct mk_ring in
 * <linux/multikernel.h>).
 *
 * Both ends treat the other as untrusted: each keeps its own copy of the
 * index it owns and of the ring size, reads the peer's index once, and
 * checks every length, type and sequence number before it copies a
 * record out. Any inconsistency is -EPROTO; nothing outside the ring is
 * ever read or written, whatever the peer put there.
 */

#include <linux/align.h>
#include <linux/errno.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "internal.h"

#define MK_HDR_SIZE	sizeof(struct mk_msg_hdr)

/**
 * mk_ring_init() - empty a ring and attach both of its ends
 * @ring:	the ring in shared memory
 * @prod:	producer end, or NULL
 * @cons:	consumer end, or NULL
 * @size:	bytes of data, a multiple of %MK_MSG_ALIGN
 *
 * Only the side that owns the shared area (the host, before a start)
 * empties the ring; a spawn attaches with mk_ring_attach().
 */
void mk_ring_init(struct mk_ring *ring, struct mk_ring_end *prod,
		  struct mk_ring_end *cons, u32 size)
{
	WRITE_ONCE(ring->head, 0);
	WRITE_ONCE(ring->doorbells, 0);
	WRITE_ONCE(ring->tail, 0);
	WRITE_ONCE(ring->draining, 0);
	if (prod)
		mk_ring_attach(prod, ring, size);
	if (cons)
		mk_ring_attach(cons, ring, size);
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_init);

/**
 * mk_ring_attach() - start using one end of an empty ring
 * @end:	the end
 * @ring:	the ring
 * @size:	bytes of data
 */
void mk_ring_attach(struct mk_ring_end *end, struct mk_ring *ring, u32 size)
{
	end->ring = ring;
	end->size = size;
	end->pos = 0;
	end->seq = 0;
	end->doorbells = 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_attach);

/**
 * mk_ring_send() - append a record
 * @p:		producer end; callers serialise
 * @type:	record type
 * @buf:	payload
 * @len:	payload bytes, at most %MK_MSG_MAX_PAYLOAD
 *
 * Publishes the record before the new head (release).
 *
 * Return: 0, -EMSGSIZE for a too large payload, -EAGAIN when the ring
 * has no room now, -EPROTO when the consumer's tail is impossible.
 */
int mk_ring_send(struct mk_ring_end *p, u16 type, const void *buf, u32 len)
{
	u32 rec = ALIGN(MK_HDR_SIZE + len, MK_MSG_ALIGN);
	struct mk_msg_hdr hdr = {
		.type = cpu_to_le16(type),
		.len = cpu_to_le32(len),
		.seq = cpu_to_le64(p->seq),
	};
	u64 tail, used, head = p->pos;
	u32 off, contig, need;

	if (len > MK_MSG_MAX_PAYLOAD)
		return -EMSGSIZE;
	/* Pairs with the consumer's release of tail: it is done reading. */
	tail = le64_to_cpu(smp_load_acquire(&p->ring->tail));
	used = head - tail;
	if (used > p->size)
		return -EPROTO;

	off = head % p->size;
	contig = p->size - off;
	need = contig < rec ? contig + rec : rec;
	if (need > p->size - used)
		return -EAGAIN;

	if (contig < rec) {
		if (contig >= MK_HDR_SIZE) {
			struct mk_msg_hdr pad = {
				.type = cpu_to_le16(MK_MSG_PAD),
				.len = cpu_to_le32(contig - MK_HDR_SIZE),
			};

			memcpy(p->ring->data + off, &pad, sizeof(pad));
		}
		head += contig;
		off = 0;
	}
	memcpy(p->ring->data + off, &hdr, sizeof(hdr));
	memcpy(p->ring->data + off + MK_HDR_SIZE, buf, len);
	head += rec;
	p->pos = head;
	p->seq++;
	/* Pairs with the acquire in mk_ring_recv(): record, then head. */
	smp_store_release(&p->ring->head, cpu_to_le64(head));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_send);

/**
 * mk_ring_recv() - take the next record out of a ring
 * @c:		consumer end; callers serialise
 * @type:	the record's type
 * @buf:	where the payload goes
 * @size:	bytes at @buf, at least %MK_MSG_MAX_PAYLOAD
 *
 * Return: the payload length (0 is valid) with *@type set, -ENODATA when
 * the ring is empty (padding or a gap up to the head is consumed then),
 * -EPROTO when the producer broke the protocol: head beyond the ring, a
 * record crossing the end or @head, a bad length, type or sequence
 * number. After -EPROTO the ring is not usable.
 */
int mk_ring_recv(struct mk_ring_end *c, u16 *type, void *buf, u32 size)
{
	u64 head, avail, tail = c->pos;
	struct mk_msg_hdr hdr;
	u32 off, contig, len, rec;

	/* Pairs with the producer's release of head: record, then head. */
	head = le64_to_cpu(smp_load_acquire(&c->ring->head));
	for (;;) {
		avail = head - tail;
		if (!avail) {
			/*
			 * Padding up to head: consume it, or the ring would
			 * never look empty and the consumer would spin.
			 */
			if (tail != c->pos) {
				c->pos = tail;
				/* Pairs with the acquire in mk_ring_send(). */
				smp_store_release(&c->ring->tail,
						  cpu_to_le64(tail));
			}
			return -ENODATA;
		}
		if (avail > c->size)
			return -EPROTO;
		off = tail % c->size;
		contig = c->size - off;
		if (contig < MK_HDR_SIZE) {
			if (avail < contig)
				return -EPROTO;
			tail += contig;
			continue;
		}
		memcpy(&hdr, c->ring->data + off, sizeof(hdr));
		len = le32_to_cpu(hdr.len);
		if (len > contig - MK_HDR_SIZE)
			return -EPROTO;
		rec = ALIGN(MK_HDR_SIZE + len, MK_MSG_ALIGN);
		if (rec > contig || rec > avail)
			return -EPROTO;
		if (le16_to_cpu(hdr.type) != MK_MSG_PAD)
			break;
		tail += rec;
	}

	*type = le16_to_cpu(hdr.type);
	if (*type >= MK_MSG_TYPE_MAX || hdr.flags ||
	    le64_to_cpu(hdr.seq) != c->seq || len > MK_MSG_MAX_PAYLOAD ||
	    len > size)
		return -EPROTO;
	memcpy(buf, c->ring->data + off + MK_HDR_SIZE, len);

	c->pos = tail + rec;
	c->seq++;
	/* Pairs with the acquire in mk_ring_send(): done reading. */
	smp_store_release(&c->ring->tail, cpu_to_le64(c->pos));
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_recv);

/**
 * mk_ring_set_draining() - tell the producer whether to ring the doorbell
 * @c:		consumer end
 * @draining:	true while the consumer will look at the ring again anyway
 *
 * Clearing is a full barrier: a consumer that clears the flag and then
 * finds the ring empty cannot miss a record whose doorbell was skipped.
 */
void mk_ring_set_draining(struct mk_ring_end *c, bool draining)
{
	WRITE_ONCE(c->ring->draining, cpu_to_le32(draining));
	/* Flag before the next look at head; pairs with mk_ring_wants_doorbell(). */
	smp_mb();
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_set_draining);

/**
 * mk_ring_wants_doorbell() - must the producer interrupt the consumer?
 * @p:		producer end, after mk_ring_send()
 *
 * Return: false while the consumer says it is draining.
 */
bool mk_ring_wants_doorbell(struct mk_ring_end *p)
{
	/* Head before the flag; pairs with mk_ring_set_draining(). */
	smp_mb();
	return !READ_ONCE(p->ring->draining);
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_wants_doorbell);

/**
 * mk_ring_empty() - has the consumer seen everything the producer sent?
 * @c:		consumer end
 *
 * Return: true when head equals the consumer's position.
 */
bool mk_ring_empty(struct mk_ring_end *c)
{
	return le64_to_cpu(READ_ONCE(c->ring->head)) == c->pos;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_empty);

/**
 * mk_ring_note_doorbell() - count a doorbell the producer is about to ring
 * @p:		producer end; callers serialise
 */
void mk_ring_note_doorbell(struct mk_ring_end *p)
{
	WRITE_ONCE(p->ring->doorbells, cpu_to_le64(++p->doorbells));
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_note_doorbell);

/**
 * mk_ring_new_doorbells() - doorbells the producer rang since the last call
 * @c:		consumer end; callers serialise
 *
 * The count comes from the producer and is not trusted: one that went
 * backwards is taken as a jump forward by the same distance, so a peer
 * cannot hide a flood by resetting its counter.
 *
 * Return: how far the producer's count moved since the last call.
 */
u64 mk_ring_new_doorbells(struct mk_ring_end *c)
{
	u64 now = le64_to_cpu(READ_ONCE(c->ring->doorbells));
	u64 moved = now >= c->doorbells ? now - c->doorbells :
					  c->doorbells - now;

	c->doorbells = now;
	return moved;
}
EXPORT_SYMBOL_IF_KUNIT(mk_ring_new_doorbells);

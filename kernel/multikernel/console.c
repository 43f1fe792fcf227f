// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: the console ring in the shared area.
 *
 * The spawn writes everything it prints into a ring in shared memory;
 * the host shows the newest MK_CONSOLE_DATA_SIZE bytes as
 * instances/NAME/console. The ring is only reset at the next start, so
 * the last words of a crashed spawn stay readable.
 *
 * Each side uses its own idea of the ring size, never the one in shared
 * memory, and reduces every index modulo that size: a corrupt head can
 * make the text garbage, never make either side read or write outside
 * the ring.
 */

#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/multikernel.h>
#include <linux/string.h>

#include "internal.h"

/**
 * mk_console_ring_write() - append text to a console ring
 * @ring:	the ring, mapped by the writer
 * @buf:	the text
 * @len:	bytes in @buf
 *
 * Single producer: callers serialise. Publishes the data before the new
 * head, so a reader that sees the head sees the bytes.
 */
void mk_console_ring_write(struct mk_console_ring *ring, const char *buf,
			   size_t len)
{
	u64 head = le64_to_cpu(READ_ONCE(ring->head));
	size_t off, n;

	if (len > MK_CONSOLE_DATA_SIZE) {
		buf += len - MK_CONSOLE_DATA_SIZE;
		head += len - MK_CONSOLE_DATA_SIZE;
		len = MK_CONSOLE_DATA_SIZE;
	}
	while (len) {
		off = head % MK_CONSOLE_DATA_SIZE;
		n = min(len, MK_CONSOLE_DATA_SIZE - off);
		memcpy(ring->data + off, buf, n);
		head += n;
		buf += n;
		len -= n;
	}
	/* Pairs with the acquire in mk_console_bytes(): data before head. */
	smp_store_release(&ring->head, cpu_to_le64(head));
}

static struct mk_console_ring *mk_console_ring(struct mk_instance *inst)
{
	return phys_to_virt(inst->shared_base + MK_SHARED_CONSOLE);
}

/**
 * mk_console_bytes() - bytes the spawn wrote to its console since start
 * @inst:	the instance
 *
 * Return: the ring's head as the spawn last published it.
 */
u64 mk_console_bytes(struct mk_instance *inst)
{
	/* Pairs with the release in mk_console_ring_write(). */
	return le64_to_cpu(smp_load_acquire(&mk_console_ring(inst)->head));
}

/**
 * mk_console_read() - copy out the newest console output
 * @inst:	the instance
 * @buf:	destination
 * @off:	offset into the newest (at most MK_CONSOLE_DATA_SIZE) bytes
 * @count:	bytes wanted
 *
 * Return: bytes copied, 0 at the end.
 */
ssize_t mk_console_read(struct mk_instance *inst, char *buf, loff_t off,
			size_t count)
{
	struct mk_console_ring *ring = mk_console_ring(inst);
	u64 head = mk_console_bytes(inst);
	u64 avail = min_t(u64, head, MK_CONSOLE_DATA_SIZE);
	u64 pos;
	size_t done = 0, ring_off, n;

	if (off < 0 || off >= avail)
		return 0;
	count = min_t(u64, count, avail - off);
	pos = head - avail + off;
	while (done < count) {
		ring_off = pos % MK_CONSOLE_DATA_SIZE;
		n = min(count - done, MK_CONSOLE_DATA_SIZE - ring_off);
		memcpy(buf + done, ring->data + ring_off, n);
		done += n;
		pos += n;
	}
	return done;
}

/**
 * mk_console_reset() - empty the ring before a start
 * @inst:	the instance
 */
void mk_console_reset(struct mk_instance *inst)
{
	struct mk_console_ring *ring = mk_console_ring(inst);

	ring->magic = cpu_to_le32(MK_CONSOLE_MAGIC);
	ring->size = cpu_to_le32(MK_CONSOLE_DATA_SIZE);
	WRITE_ONCE(ring->head, 0);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: decompressing a kernel's payload once, when it is loaded.
 *
 * The kernel's own boot decompressors (lib/decompress_*.c) are __init, so
 * a running host uses the run-time libraries instead: zlib for gzip and
 * zstd for zstd, the two methods distributions build with. The payload
 * is untrusted input: the output must have exactly the size the image
 * announced, and the method's own check (gzip's CRC-32 and length, zstd's
 * frame checksum when it has one) must hold. Images compressed with a
 * method this host cannot decompress at run time are recognised and
 * reported, so that the caller can start them the slow way instead.
 */

#define pr_fmt(fmt) "multikernel: " fmt

#include <kunit/visibility.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#include <linux/zstd.h>

#include "internal.h"

/* RFC 1952: the gzip member header. */
#define GZIP_HEADER_SIZE	10
#define GZIP_TRAILER_SIZE	8
#define GZIP_METHOD_DEFLATE	8
#define GZIP_FHCRC		BIT(1)
#define GZIP_FEXTRA		BIT(2)
#define GZIP_FNAME		BIT(3)
#define GZIP_FCOMMENT		BIT(4)
#define GZIP_FRESERVED		0xe0

struct mk_method {
	const char *name;
	u8 magic[6];
	u8 magic_len;
	int (*decompress)(const u8 *in, size_t in_len, u8 *out,
			  size_t out_len);
};

/* Skip a NUL-terminated header field; false when it runs off the end. */
static bool mk_gzip_skip_string(const u8 *in, size_t in_len, size_t *pos)
{
	const u8 *nul;

	if (*pos >= in_len)
		return false;
	nul = memchr(in + *pos, 0, in_len - *pos);
	if (!nul)
		return false;
	*pos = nul - in + 1;
	return true;
}

/* Where the deflate data of a gzip member starts, or -EINVAL. */
static int mk_gzip_data_start(const u8 *in, size_t in_len, size_t *pos)
{
	u8 flags;

	if (in_len < GZIP_HEADER_SIZE + GZIP_TRAILER_SIZE ||
	    in[2] != GZIP_METHOD_DEFLATE)
		return -EINVAL;
	flags = in[3];
	if (flags & GZIP_FRESERVED)
		return -EINVAL;
	*pos = GZIP_HEADER_SIZE;
	if (flags & GZIP_FEXTRA) {
		if (in_len - *pos < 2)
			return -EINVAL;
		*pos += 2 + get_unaligned_le16(in + *pos);
	}
	if ((flags & GZIP_FNAME) && !mk_gzip_skip_string(in, in_len, pos))
		return -EINVAL;
	if ((flags & GZIP_FCOMMENT) && !mk_gzip_skip_string(in, in_len, pos))
		return -EINVAL;
	if (flags & GZIP_FHCRC)
		*pos += 2;
	if (*pos > in_len - GZIP_TRAILER_SIZE)
		return -EINVAL;
	return 0;
}

static int mk_gunzip(const u8 *in, size_t in_len, u8 *out, size_t out_len)
{
	struct z_stream_s strm = { };
	size_t pos;
	int ret;

	ret = mk_gzip_data_start(in, in_len, &pos);
	if (ret)
		return ret;
	strm.workspace = vmalloc(zlib_inflate_workspacesize());
	if (!strm.workspace)
		return -ENOMEM;
	ret = -EINVAL;
	/* Raw deflate: the gzip header is parsed above, the trailer below. */
	if (zlib_inflateInit2(&strm, -MAX_WBITS) != Z_OK)
		goto out;
	strm.next_in = in + pos;
	strm.avail_in = in_len - pos;
	strm.next_out = out;
	strm.avail_out = out_len;
	if (zlib_inflate(&strm, Z_FINISH) != Z_STREAM_END ||
	    strm.total_out != out_len ||
	    strm.avail_in < GZIP_TRAILER_SIZE)
		goto out_end;
	pos = in_len - strm.avail_in;
	if (get_unaligned_le32(in + pos) != ~crc32_le(~0, out, out_len) ||
	    get_unaligned_le32(in + pos + 4) != (u32)out_len)
		goto out_end;
	ret = 0;
out_end:
	zlib_inflateEnd(&strm);
out:
	vfree(strm.workspace);
	return ret;
}

static int mk_unzstd(const u8 *in, size_t in_len, u8 *out, size_t out_len)
{
	size_t frame, ws_size, got;
	zstd_dctx *dctx;
	void *ws;
	int ret = -EINVAL;

	/* The frame, without what follows it (the size the kernel appends). */
	frame = zstd_find_frame_compressed_size(in, in_len);
	if (zstd_is_error(frame))
		return -EINVAL;
	ws_size = zstd_dctx_workspace_bound();
	ws = vmalloc(ws_size);
	if (!ws)
		return -ENOMEM;
	dctx = zstd_init_dctx(ws, ws_size);
	if (dctx) {
		got = zstd_decompress_dctx(dctx, out, out_len, in, frame);
		if (!zstd_is_error(got) && got == out_len)
			ret = 0;
	}
	vfree(ws);
	return ret;
}

/* What kbuild can compress a kernel with (arch/x86/boot/compressed). */
static const struct mk_method mk_methods[] = {
	{ "gzip",  { 0x1f, 0x8b }, 2, mk_gunzip },
	{ "zstd",  { 0x28, 0xb5, 0x2f, 0xfd }, 4, mk_unzstd },
	{ "xz",    { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6, NULL },
	{ "lzma",  { 0x5d, 0x00, 0x00 }, 3, NULL },
	{ "bzip2", { 'B', 'Z', 'h' }, 3, NULL },
	{ "lzo",   { 0x89, 'L', 'Z', 'O' }, 4, NULL },
	{ "lz4",   { 0x02, 0x21, 0x4c, 0x18 }, 4, NULL },
};

/**
 * mk_decompress() - decompress a kernel payload into a buffer
 * @in:		the compressed data; bytes after the compressed stream
 *		are allowed (the kernel build appends the output size)
 * @in_len:	bytes at @in
 * @out:	where the output goes
 * @out_len:	exactly the number of bytes expected out
 * @method:	set to the name of the method found, or "unknown"
 *
 * Return: 0 when exactly @out_len bytes came out and the method's checks
 * passed; -ENOEXEC for data in no format a kernel is compressed with;
 * -EOPNOTSUPP for a method that has no run-time decompressor here;
 * -EINVAL for corrupt data or output of another size; -ENOMEM.
 */
int mk_decompress(const u8 *in, size_t in_len, u8 *out, size_t out_len,
		  const char **method)
{
	const struct mk_method *m;
	unsigned int i;

	*method = "unknown";
	for (i = 0; i < ARRAY_SIZE(mk_methods); i++) {
		m = &mk_methods[i];
		if (in_len < m->magic_len || memcmp(in, m->magic, m->magic_len))
			continue;
		*method = m->name;
		if (!m->decompress)
			return -EOPNOTSUPP;
		return m->decompress(in, in_len, out, out_len);
	}
	return -ENOEXEC;
}
EXPORT_SYMBOL_IF_KUNIT(mk_decompress);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the virtio side of an instance: the net/iowin keys of
 * a create line, and the virtio node of the handover FDT, which a spawn
 * must refuse when malformed (the I/O window is memory it must not use)
 * without crashing.
 */

#include <kunit/test.h>
#include <linux/libfdt.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <uapi/linux/virtio_ids.h>

#include "internal.h"

#define FDT_BUF_SIZE	SZ_8K
#define SPAWN_RAM	0x40000000ULL
#define SPAWN_SHARED	0x80000000ULL
#define IOWIN		0x90000000ULL
/* What the host writes, and a kind a spawn does not know. */
#define MK_TEST_VIRTIO_COMPAT	"multikernel,virtio"

/* One device node as a test writes it; NULL names leave a property out. */
struct vnode {
	const char *compat;
	u32 index;
	u32 device_id;
	u64 features;
	u32 queues;
	u32 queue_size_max;
	u32 config_size;
	bool no_features;
};

static const struct vnode good_net = {
	.compat = MK_TEST_VIRTIO_COMPAT, .index = 0,
	.device_id = VIRTIO_ID_NET, .features = BIT_ULL(32), .queues = 2,
	.queue_size_max = 256, .config_size = 64,
};

/* The virtio node with a window at @base/@size and @nr devices. */
static void *build(struct kunit *test, u64 base, u64 size,
		   const struct vnode *nodes, int nr)
{
	fdt64_t win[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };
	void *fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);
	char name[32];
	int i, err;

	KUNIT_ASSERT_NOT_NULL(test, fdt);
	err = fdt_create(fdt, FDT_BUF_SIZE);
	err = err ?: fdt_finish_reservemap(fdt);
	err = err ?: fdt_begin_node(fdt, "");
	err = err ?: fdt_begin_node(fdt, "virtio");
	if (size)
		err = err ?: fdt_property(fdt, "io-window", win, sizeof(win));
	for (i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), "device@%x", i);
		err = err ?: fdt_begin_node(fdt, name);
		err = err ?: fdt_property_string(fdt, "compatible",
						 nodes[i].compat);
		err = err ?: fdt_property_u32(fdt, "index", nodes[i].index);
		err = err ?: fdt_property_u32(fdt, "device-id",
					      nodes[i].device_id);
		if (!nodes[i].no_features)
			err = err ?: fdt_property_u64(fdt, "features",
						      nodes[i].features);
		err = err ?: fdt_property_u32(fdt, "queues", nodes[i].queues);
		err = err ?: fdt_property_u32(fdt, "queue-size-max",
					      nodes[i].queue_size_max);
		err = err ?: fdt_property_u32(fdt, "config-size",
					      nodes[i].config_size);
		err = err ?: fdt_end_node(fdt);
	}
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_end_node(fdt);
	err = err ?: fdt_finish(fdt);
	KUNIT_ASSERT_EQ(test, err, 0);
	return fdt;
}

static int parse(struct kunit *test, void *fdt, struct mk_spawn_info *info)
{
	const char *why = NULL;
	int node, ret;

	memset(info, 0, sizeof(*info));
	info->mem_base = SPAWN_RAM;
	info->mem_size = SZ_256M;
	info->shared_base = SPAWN_SHARED;
	info->shared_size = MK_SHARED_SIZE;
	node = fdt_subnode_offset(fdt, 0, "virtio");
	KUNIT_ASSERT_GE(test, node, 0);
	ret = mk_virtio_fdt_parse(fdt, node, info, &why);
	if (ret)
		KUNIT_EXPECT_NOT_NULL(test, why);
	return ret;
}

static void virtio_fdt_good_device_parses(struct kunit *test)
{
	struct mk_spawn_info *info = kunit_kzalloc(test, sizeof(*info),
						   GFP_KERNEL);
	void *fdt = build(test, IOWIN, SZ_8M, &good_net, 1);

	KUNIT_ASSERT_NOT_NULL(test, info);
	KUNIT_ASSERT_EQ(test, parse(test, fdt, info), 0);
	KUNIT_EXPECT_EQ(test, info->iowin_base, IOWIN);
	KUNIT_EXPECT_EQ(test, info->iowin_size, (u64)SZ_8M);
	KUNIT_ASSERT_EQ(test, info->nr_virtio, 1U);
	KUNIT_EXPECT_EQ(test, info->virtio[0].device_id, (u32)VIRTIO_ID_NET);
	KUNIT_EXPECT_EQ(test, info->virtio[0].features, BIT_ULL(32));
	KUNIT_EXPECT_EQ(test, info->virtio[0].num_queues, 2U);
	KUNIT_EXPECT_EQ(test, info->virtio[0].queue_size_max, 256U);
}

struct window_case {
	const char *what;
	u64 base;
	u64 size;
};

static const struct window_case window_cases[] = {
	{ "missing", IOWIN, 0 },
	{ "at 0", 0, SZ_8M },
	{ "unaligned base", IOWIN + 1, SZ_8M },
	{ "unaligned size", IOWIN, SZ_8M + 1 },
	{ "wrapping", ~0ULL - SZ_4M + 1, SZ_8M },
	{ "inside RAM", SPAWN_RAM + SZ_16M, SZ_8M },
	{ "over RAM's start", SPAWN_RAM - SZ_4M, SZ_8M },
	{ "over the shared area", SPAWN_SHARED + SZ_1M, SZ_8M },
};

static void window_case_desc(const struct window_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->what);
}

KUNIT_ARRAY_PARAM(window, window_cases, window_case_desc);

static void virtio_fdt_bad_window_is_refused(struct kunit *test)
{
	const struct window_case *c = test->param_value;
	struct mk_spawn_info *info = kunit_kzalloc(test, sizeof(*info),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, info);
	KUNIT_EXPECT_EQ(test, parse(test, build(test, c->base, c->size,
						&good_net, 1), info), -EINVAL);
}

/* Which field of a good device a case breaks. */
enum bad_field {
	BAD_INDEX,
	BAD_DEVICE_ID,
	BAD_QUEUES,
	BAD_QUEUE_SIZE,
	BAD_CONFIG_SIZE,
	BAD_NO_FEATURES,
};

struct device_case {
	const char *what;
	enum bad_field field;
	u32 val;
};

static const struct device_case device_cases[] = {
	{ "index past the last block", BAD_INDEX, MK_VIRTIO_MAX_DEVICES },
	{ "device id 0", BAD_DEVICE_ID, 0 },
	{ "no queues", BAD_QUEUES, 0 },
	{ "too many queues", BAD_QUEUES, MK_VIRTIO_MAX_QUEUES + 1 },
	{ "queue size not a power of two", BAD_QUEUE_SIZE, 100 },
	{ "queue size 0", BAD_QUEUE_SIZE, 0 },
	{ "queue size past the spec", BAD_QUEUE_SIZE, 65536 },
	{ "config space too large", BAD_CONFIG_SIZE, MK_VIRTIO_CONFIG_MAX + 1 },
	{ "no features", BAD_NO_FEATURES, 0 },
};

static void device_case_desc(const struct device_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->what);
}

KUNIT_ARRAY_PARAM(device, device_cases, device_case_desc);

/* A good device with the case's one field broken. */
static struct vnode bad_node(const struct device_case *c)
{
	struct vnode n = good_net;

	switch (c->field) {
	case BAD_INDEX:
		n.index = c->val;
		break;
	case BAD_DEVICE_ID:
		n.device_id = c->val;
		break;
	case BAD_QUEUES:
		n.queues = c->val;
		break;
	case BAD_QUEUE_SIZE:
		n.queue_size_max = c->val;
		break;
	case BAD_CONFIG_SIZE:
		n.config_size = c->val;
		break;
	case BAD_NO_FEATURES:
		n.no_features = true;
		break;
	}
	return n;
}

static void virtio_fdt_bad_device_is_refused(struct kunit *test)
{
	const struct device_case *c = test->param_value;
	struct mk_spawn_info *info = kunit_kzalloc(test, sizeof(*info),
						   GFP_KERNEL);
	struct vnode n = bad_node(c);

	KUNIT_ASSERT_NOT_NULL(test, info);
	KUNIT_EXPECT_EQ(test, parse(test, build(test, IOWIN, SZ_8M, &n, 1),
				    info), -EINVAL);
}

static void virtio_fdt_duplicate_and_excess_refused(struct kunit *test)
{
	struct mk_spawn_info *info = kunit_kzalloc(test, sizeof(*info),
						   GFP_KERNEL);
	struct vnode nodes[MK_VIRTIO_MAX_DEVICES + 1];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, info);
	nodes[0] = good_net;
	nodes[1] = good_net;
	KUNIT_EXPECT_EQ(test, parse(test, build(test, IOWIN, SZ_8M, nodes, 2),
				    info), -EINVAL);

	for (i = 0; i <= MK_VIRTIO_MAX_DEVICES; i++) {
		nodes[i] = good_net;
		nodes[i].index = i % MK_VIRTIO_MAX_DEVICES;
	}
	KUNIT_EXPECT_EQ(test, parse(test, build(test, IOWIN, SZ_8M, nodes,
						MK_VIRTIO_MAX_DEVICES + 1),
				    info), -EINVAL);
}

static void virtio_fdt_unknown_kind_is_skipped(struct kunit *test)
{
	struct mk_spawn_info *info = kunit_kzalloc(test, sizeof(*info),
						   GFP_KERNEL);
	struct vnode nodes[2] = { good_net, good_net };

	KUNIT_ASSERT_NOT_NULL(test, info);
	nodes[0].compat = MK_TEST_VIRTIO_COMPAT "-v9";
	nodes[0].queues = 0;
	KUNIT_ASSERT_EQ(test, parse(test, build(test, IOWIN, SZ_8M, nodes, 2),
				    info), 0);
	KUNIT_EXPECT_EQ(test, info->nr_virtio, 1U);
	KUNIT_EXPECT_EQ(test, info->nr_unknown_devices, 1U);
}

struct create_case {
	const char *line;
	int ret;
	unsigned int nr_net;
	u64 iowin;
	bool vsock;
	unsigned int mtu;
	unsigned int nr_disks;
};

/* A path of 255 characters: the longest disk= takes. */
#define PATH_255 "/" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
static_assert(sizeof(PATH_255) == MK_DISK_PATH_MAX);

/* As many NICs as an instance may have, none next to another "net". */
#define FOUR_NETS \
	"a net=02:00:00:00:00:01 cpus=1 net memory=64M net=02:00:00:00:00:02 net"

static const struct create_case create_cases[] = {
	{ "a cpus=1 memory=64M net", 0, 1, 0 },
	{ "a cpus=1 memory=64M net=02:00:00:00:00:01 net", 0, 2, 0 },
	{ "a cpus=1 memory=64M net iowin=16M", 0, 1, SZ_16M },
	{ FOUR_NETS, 0, 4, 0 },
	{ FOUR_NETS " iowin=8M net=02:00:00:00:00:03", -EINVAL },
	{ "a cpus=1 memory=64M iowin=8M", -EINVAL },
	{ "a cpus=1 memory=64M net iowin=0", -EINVAL },
	{ "a cpus=1 memory=64M net iowin=512M", -EINVAL },
	{ "a cpus=1 memory=64M net iowin=256M", 0, 1, SZ_256M },
	{ "a cpus=1 memory=64M net iowin=8M iowin=8M", -EINVAL },
	{ "a cpus=1 memory=64M net=", -EINVAL },
	{ "a cpus=1 memory=64M net=01:00:00:00:00:01", -EINVAL },
	{ "a cpus=1 memory=64M net=00:00:00:00:00:00", -EINVAL },
	{ "a cpus=1 memory=64M net=02:00:00:00:00:01x", -EINVAL },
	{ "a cpus=1 memory=64M net=02:00:00:00:00", -EINVAL },
	{ "a cpus=1 memory=64M nets", -EINVAL },
	{ "a cpus=1 memory=64M vsock", 0, 0, 0, true },
	{ "a vsock cpus=1 memory=64M iowin=16M", 0, 0, SZ_16M, true },
	{ "a cpus=1 net net=02:00:00:00:00:05 memory=64M vsock net", 0, 3, 0, true },
	{ FOUR_NETS " vsock", -EINVAL },
	{ "a cpus=1 memory=64M vsock vsock", -EINVAL },
	{ "a cpus=1 memory=64M vsock=3", -EINVAL },
	{ "a cpus=1 memory=64M vsocks", -EINVAL },
	{ "a cpus=1 memory=64M vsoc", -EINVAL },
	{ "a cpus=1 memory=64M net mtu=9000", 0, 1, 0, false, 9000 },
	{ "a mtu=68 cpus=1 memory=64M net net", 0, 2, 0, false, 68 },
	{ "a cpus=1 memory=64M net mtu=9001", -EINVAL },
	{ "a cpus=1 memory=64M net mtu=67", -EINVAL },
	{ "a cpus=1 memory=64M net mtu=0", -EINVAL },
	{ "a cpus=1 memory=64M net mtu=1500x", -EINVAL },
	{ "a cpus=1 memory=64M net mtu=-1", -EINVAL },
	{ "a cpus=1 memory=64M net mtu=", -EINVAL },
	{ "a cpus=1 memory=64M net mtu=1500 mtu=1500", -EINVAL },
	{ "a cpus=1 memory=64M vsock mtu=1500", -EINVAL },
	{ "a cpus=1 memory=64M disk=/d", 0, 0, 0, false, 0, 1 },
	{ "a cpus=1 memory=64M disk=/d,ro disk=/d,ro iowin=16M", 0, 0, SZ_16M,
	  false, 0, 2 },
	{ "a cpus=1 memory=64M net vsock disk=/d disk=/e", 0, 1, 0, true, 0, 2 },
	{ "a cpus=1 memory=64M disk=" PATH_255, 0, 0, 0, false, 0, 1 },
	{ "a cpus=1 memory=64M disk=" PATH_255 ",ro", 0, 0, 0, false, 0, 1 },
	{ "a cpus=1 memory=64M disk=" PATH_255 "f", -EINVAL },
	{ "a cpus=1 memory=64M net vsock net disk=/d disk=/e", -EINVAL },
	{ "a cpus=1 memory=64M disk=/a disk=/b disk=/c disk=/d disk=/e", -EINVAL },
	{ "a cpus=1 memory=64M disk=d", -EINVAL },
	{ "a cpus=1 memory=64M disk=", -EINVAL },
	{ "a cpus=1 memory=64M disk=,ro", -EINVAL },
	{ "a cpus=1 memory=64M disk", -EINVAL },
	{ "a cpus=1 memory=64M disk=/d mtu=1500", -EINVAL },
};

static void create_case_desc(const struct create_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->line);
}

KUNIT_ARRAY_PARAM(create, create_cases, create_case_desc);

static void create_virtio_keys_parse_or_refuse(struct kunit *test)
{
	const struct create_case *c = test->param_value;
	struct mk_create_req *req = kunit_kzalloc(test, sizeof(*req),
						  GFP_KERNEL);
	const char *why = NULL;

	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_EQ(test, mk_create_parse(c->line, req, &why), c->ret);
	if (c->ret) {
		KUNIT_EXPECT_NOT_NULL(test, why);
		return;
	}
	KUNIT_EXPECT_EQ(test, req->nr_net, c->nr_net);
	KUNIT_EXPECT_EQ(test, req->iowin_size, c->iowin);
	KUNIT_EXPECT_EQ(test, req->vsock, c->vsock);
	KUNIT_EXPECT_EQ(test, req->mtu, c->mtu);
	KUNIT_EXPECT_EQ(test, req->nr_disks, c->nr_disks);
}

static void create_disk_path_and_mode_are_kept(struct kunit *test)
{
	static const char line[] =
		"a cpus=1 disk=/img,a,ro memory=64M disk=/dev/sdb disk=/x,rw";
	struct mk_create_req *req = kunit_kzalloc(test, sizeof(*req),
						  GFP_KERNEL);
	const char *why;

	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_EQ(test, mk_create_parse(line, req, &why), 0);
	KUNIT_ASSERT_EQ(test, req->nr_disks, 3U);
	/* Only a final ",ro" is a mode; any other comma is the path's. */
	KUNIT_EXPECT_STREQ(test, req->disks[0].path, "/img,a");
	KUNIT_EXPECT_TRUE(test, req->disks[0].ro);
	KUNIT_EXPECT_STREQ(test, req->disks[1].path, "/dev/sdb");
	KUNIT_EXPECT_FALSE(test, req->disks[1].ro);
	KUNIT_EXPECT_STREQ(test, req->disks[2].path, "/x,rw");
	KUNIT_EXPECT_FALSE(test, req->disks[2].ro);
}

static void create_net_mac_is_kept(struct kunit *test)
{
	static const u8 mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0x77, 0x02 };
	struct mk_create_req *req = kunit_kzalloc(test, sizeof(*req),
						  GFP_KERNEL);
	const char *why;

	KUNIT_ASSERT_NOT_NULL(test, req);
	KUNIT_ASSERT_EQ(test, mk_create_parse("a cpus=1 net memory=64M net=02:00:00:00:77:02",
					      req, &why), 0);
	KUNIT_EXPECT_FALSE(test, req->net[0].mac_set);
	KUNIT_EXPECT_TRUE(test, req->net[1].mac_set);
	KUNIT_EXPECT_MEMEQ(test, req->net[1].mac, mac, ETH_ALEN);
}

static struct kunit_case multikernel_virtio_cases[] = {
	KUNIT_CASE(virtio_fdt_good_device_parses),
	KUNIT_CASE_PARAM(virtio_fdt_bad_window_is_refused, window_gen_params),
	KUNIT_CASE_PARAM(virtio_fdt_bad_device_is_refused, device_gen_params),
	KUNIT_CASE(virtio_fdt_duplicate_and_excess_refused),
	KUNIT_CASE(virtio_fdt_unknown_kind_is_skipped),
	KUNIT_CASE_PARAM(create_virtio_keys_parse_or_refuse, create_gen_params),
	KUNIT_CASE(create_net_mac_is_kept),
	KUNIT_CASE(create_disk_path_and_mode_are_kept),
	{}
};

static struct kunit_suite multikernel_virtio_suite = {
	.name = "multikernel_virtio",
	.test_cases = multikernel_virtio_cases,
};

kunit_test_suite(multikernel_virtio_suite);

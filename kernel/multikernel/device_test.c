// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for handing devices over: PCI addresses and UARTs in
 * "create" lines,
 * and the devices node of the handover FDT, built by the host and parsed
 * by a spawn that must refuse anything malformed without crashing.
 */

#include <kunit/test.h>
#include <linux/libfdt.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "internal.h"

#define FDT_BUF_SIZE	SZ_8K

struct pci_addr_case {
	const char *text;
	int ret;
	u16 segment;
	u8 bus;
	u8 devfn;
};

static const struct pci_addr_case pci_addr_cases[] = {
	{ "0000:00:04.0", 0, 0, 0, PCI_DEVFN(4, 0) },
	{ "00:1f.7", 0, 0, 0, PCI_DEVFN(0x1f, 7) },
	{ "ffff:ff:1f.7", 0, 0xffff, 0xff, PCI_DEVFN(0x1f, 7) },
	{ "1:2:3.4", 0, 1, 2, PCI_DEVFN(3, 4) },
	{ "0000:01:00.0", 0, 0, 1, 0 },
	{ "", -EINVAL },
	{ "00:04", -EINVAL },
	{ "00:04.", -EINVAL },
	{ "00:20.0", -EINVAL },
	{ "00:04.8", -EINVAL },
	{ "100:04.0", -EINVAL },
	{ "10000:00:04.0", -EINVAL },
	{ "0000:00:04.0x", -EINVAL },
	{ "0000:00:04.0 ", -EINVAL },
	{ "-1:00:04.0", -EINVAL },
	{ "0000::04.0", -EINVAL },
	{ "0:0:0:0.0", -EINVAL },
	{ "g0:04.0", -EINVAL },
	{ "ttyS1", -EINVAL },
};

static void pci_addr_case_desc(const struct pci_addr_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->text);
}

KUNIT_ARRAY_PARAM(pci_addr, pci_addr_cases, pci_addr_case_desc);

static void pci_addr_parses_or_refuses(struct kunit *test)
{
	const struct pci_addr_case *c = test->param_value;
	struct mk_pci_addr addr = { };

	KUNIT_ASSERT_EQ(test, mk_parse_pci_addr(c->text, &addr), c->ret);
	if (c->ret)
		return;
	KUNIT_EXPECT_EQ(test, addr.segment, c->segment);
	KUNIT_EXPECT_EQ(test, addr.bus, c->bus);
	KUNIT_EXPECT_EQ(test, addr.devfn, c->devfn);
}

struct uart_case {
	const char *text;
	int ret;
	unsigned int line;
};

static const struct uart_case uart_cases[] = {
	{ "ttyS0", 0, 0 },
	{ "ttyS1", 0, 1 },
	{ "ttyS255", 0, 255 },
	{ "ttyS", -EINVAL },
	{ "ttyS256", -EINVAL },
	{ "ttyS01", -EINVAL },
	{ "ttyS-1", -EINVAL },
	{ "ttyS+1", -EINVAL },
	{ "ttyS1x", -EINVAL },
	{ "ttyS99999999999", -EINVAL },
	{ "ttyUSB0", -EINVAL },
};

static void uart_case_desc(const struct uart_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->text);
}

KUNIT_ARRAY_PARAM(uart, uart_cases, uart_case_desc);

static void uart_device_parses_or_refuses(struct kunit *test)
{
	const struct uart_case *c = test->param_value;
	struct mk_device_addr addr;

	KUNIT_ASSERT_EQ(test, mk_parse_device(c->text, &addr), c->ret);
	if (c->ret)
		return;
	KUNIT_EXPECT_EQ(test, addr.kind, MK_DEV_UART);
	KUNIT_EXPECT_EQ(test, addr.uart_line, c->line);
}

static void create_takes_up_to_max_devices(struct kunit *test)
{
	static const char * const bdfs[] = {
		"00:04.0", "ttyS1", "0001:02:03.1", "00:06.0", "00:07.0",
	};
	struct mk_create_req *req;
	char line[256] = "web cpus=1 memory=1G";
	const char *why;
	int i;

	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);
	for (i = 0; i < MK_MAX_DEVICES; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 " device=%s", bdfs[i]);
	KUNIT_ASSERT_EQ(test, mk_create_parse(line, req, &why), 0);
	KUNIT_EXPECT_EQ(test, req->nr_devices, MK_MAX_DEVICES);
	KUNIT_EXPECT_EQ(test, req->devices[1].kind, MK_DEV_UART);
	KUNIT_EXPECT_EQ(test, req->devices[1].uart_line, 1);
	KUNIT_EXPECT_EQ(test, req->devices[2].kind, MK_DEV_PCI);
	KUNIT_EXPECT_EQ(test, req->devices[2].pci.segment, 1);
	KUNIT_EXPECT_EQ(test, req->devices[2].pci.bus, 2);
	KUNIT_EXPECT_EQ(test, req->devices[2].pci.devfn, PCI_DEVFN(3, 1));

	memset(req, 0, sizeof(*req));
	snprintf(line + strlen(line), sizeof(line) - strlen(line),
		 " device=%s", bdfs[MK_MAX_DEVICES]);
	KUNIT_EXPECT_EQ(test, mk_create_parse(line, req, &why), -EINVAL);
}

struct devices_ctx {
	struct mk_instance inst;
	void *fdt;
	int size;
	struct mk_spawn_info info;
};

static void fill_pci(struct mk_device *dev, u8 bus, u8 devfn)
{
	struct mk_pci_handover *d = &dev->desc;

	dev->kind = MK_DEV_PCI;
	dev->owned = true;
	d->segment = 0;
	d->bus = bus;
	d->devfn = devfn;
	d->ecam_base = 0xb0000000;
	d->nr_bars = 2;
	d->bars[0] = (struct mk_pci_bar){ .index = 1, .flags = 0,
					  .start = 0xfe800000, .size = SZ_4K };
	d->bars[1] = (struct mk_pci_bar){
		.index = 4, .flags = MK_PCI_BAR_64 | MK_PCI_BAR_PREFETCH,
		.start = 0x800000000ULL, .size = SZ_16K };
}

static int devices_test_init(struct kunit *test)
{
	struct devices_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->fdt = kunit_kzalloc(test, FDT_BUF_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->fdt);

	ctx->inst.id = 1;
	strscpy(ctx->inst.name, "disk", sizeof(ctx->inst.name));
	cpumask_set_cpu(3, &ctx->inst.cpus);
	ctx->inst.apic_ids[0] = 3;
	ctx->inst.mem_base = SZ_1G;
	ctx->inst.mem_size = SZ_256M;
	ctx->inst.shared_base = SZ_2G;
	ctx->inst.nr_devices = 3;
	fill_pci(&ctx->inst.devices[0], 1, PCI_DEVFN(0, 0));
	fill_pci(&ctx->inst.devices[1], 0, PCI_DEVFN(4, 0));
	/* Given back to the host: not in the FDT. */
	fill_pci(&ctx->inst.devices[2], 0, PCI_DEVFN(5, 0));
	ctx->inst.devices[2].owned = false;
	ctx->inst.devices[3].kind = MK_DEV_UART;
	ctx->inst.devices[3].owned = true;
	ctx->inst.devices[3].uart.io_port = 0x2f8;
	ctx->inst.devices[3].uart.clock = 1843200;
	ctx->inst.nr_devices = 4;
	ctx->size = mk_handover_build(&ctx->inst, ctx->fdt, FDT_BUF_SIZE);
	KUNIT_ASSERT_GT(test, ctx->size, 0);
	test->priv = ctx;
	return 0;
}

static int devices_parse(struct devices_ctx *ctx)
{
	const char *why = NULL;

	return mk_handover_parse(ctx->fdt, FDT_BUF_SIZE, &ctx->info, &why);
}

static void devices_round_trip_keeps_owned_functions(struct kunit *test)
{
	struct devices_ctx *ctx = test->priv;
	const struct mk_pci_handover *d = &ctx->info.pci[0];

	KUNIT_ASSERT_EQ(test, devices_parse(ctx), 0);
	KUNIT_ASSERT_EQ(test, ctx->info.nr_pci, 2);
	KUNIT_EXPECT_EQ(test, ctx->info.nr_unknown_devices, 0);
	KUNIT_EXPECT_EQ(test, d->bus, 1);
	KUNIT_EXPECT_EQ(test, d->devfn, PCI_DEVFN(0, 0));
	KUNIT_EXPECT_EQ(test, d->ecam_base, 0xb0000000ULL);
	KUNIT_ASSERT_EQ(test, d->nr_bars, 2);
	KUNIT_EXPECT_EQ(test, d->bars[0].index, 1);
	KUNIT_EXPECT_EQ(test, d->bars[0].start, 0xfe800000ULL);
	KUNIT_EXPECT_EQ(test, d->bars[0].size, (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, d->bars[1].index, 4);
	KUNIT_EXPECT_EQ(test, d->bars[1].flags,
			MK_PCI_BAR_64 | MK_PCI_BAR_PREFETCH);
	KUNIT_EXPECT_EQ(test, d->bars[1].start, 0x800000000ULL);
	KUNIT_EXPECT_EQ(test, ctx->info.pci[1].devfn, PCI_DEVFN(4, 0));
	KUNIT_ASSERT_EQ(test, ctx->info.nr_uart, 1);
	KUNIT_EXPECT_EQ(test, ctx->info.uart[0].io_port, 0x2f8);
	KUNIT_EXPECT_EQ(test, ctx->info.uart[0].clock, 1843200);
}

static void devices_parse_refuses_bad_uart(struct kunit *test)
{
	static const u32 bad_ports[] = { 0, 0x2f9, 0x3f0, 0x10000 };
	struct devices_ctx *ctx = test->priv;
	const char *why;
	int node, i;

	for (i = 0; i < ARRAY_SIZE(bad_ports); i++) {
		KUNIT_ASSERT_GT(test, mk_handover_build(&ctx->inst, ctx->fdt,
							FDT_BUF_SIZE), 0);
		KUNIT_ASSERT_EQ(test, fdt_open_into(ctx->fdt, ctx->fdt,
						    FDT_BUF_SIZE), 0);
		node = fdt_path_offset(ctx->fdt, "/devices/uart@2f8");
		KUNIT_ASSERT_GE(test, node, 0);
		KUNIT_ASSERT_EQ(test, fdt_setprop_u32(ctx->fdt, node, "io-port",
						      bad_ports[i]), 0);
		KUNIT_EXPECT_EQ_MSG(test, mk_handover_parse(ctx->fdt,
							    FDT_BUF_SIZE,
							    &ctx->info, &why),
				    -EINVAL, "io-port %#x", bad_ports[i]);
	}
	/* No clock, and the same port twice. */
	node = fdt_path_offset(ctx->fdt, "/devices/uart@2f8");
	KUNIT_ASSERT_EQ(test, fdt_setprop_u32(ctx->fdt, node, "io-port", 0x2f8),
			0);
	KUNIT_ASSERT_EQ(test, fdt_setprop_u32(ctx->fdt, node,
					      "clock-frequency", 0), 0);
	KUNIT_EXPECT_EQ(test, devices_parse(ctx), -EINVAL);
	ctx->inst.devices[2] = ctx->inst.devices[3];
	KUNIT_ASSERT_GT(test, mk_handover_build(&ctx->inst, ctx->fdt,
						FDT_BUF_SIZE), 0);
	KUNIT_EXPECT_EQ(test, devices_parse(ctx), -EINVAL);
}

static void devices_node_is_optional(struct kunit *test)
{
	struct devices_ctx *ctx = test->priv;
	int node;

	KUNIT_ASSERT_EQ(test, fdt_open_into(ctx->fdt, ctx->fdt, FDT_BUF_SIZE),
			0);
	node = fdt_subnode_offset(ctx->fdt, 0, "devices");
	KUNIT_ASSERT_GE(test, node, 0);
	KUNIT_ASSERT_EQ(test, fdt_del_node(ctx->fdt, node), 0);
	KUNIT_EXPECT_EQ(test, devices_parse(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->info.nr_pci, 0);
}

/* The offset of the first PCI node, in an FDT opened for editing. */
static int first_pci_node(struct kunit *test, struct devices_ctx *ctx)
{
	int node;

	KUNIT_ASSERT_EQ(test, fdt_open_into(ctx->fdt, ctx->fdt, FDT_BUF_SIZE),
			0);
	node = fdt_path_offset(ctx->fdt, "/devices/pci@0,1,0");
	KUNIT_ASSERT_GE(test, node, 0);
	return node;
}

static void devices_skips_unknown_kinds(struct kunit *test)
{
	struct devices_ctx *ctx = test->priv;
	int node = first_pci_node(test, ctx);

	KUNIT_ASSERT_EQ(test, fdt_setprop_string(ctx->fdt, node, "compatible",
						 "multikernel,teleporter"), 0);
	KUNIT_EXPECT_EQ(test, devices_parse(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->info.nr_pci, 1);
	KUNIT_EXPECT_EQ(test, ctx->info.nr_unknown_devices, 1);
}

struct bad_prop {
	const char *name;
	u64 cells[MK_PCI_MAX_BARS * 4 + 4];
	int len;	/* bytes; negative: delete the property */
	bool is_u32;
};

static const struct bad_prop bad_props[] = {
	{ "segment", { }, -1 },
	{ "bus", { 256 }, 4, true },
	{ "bus", { 1 }, 8, true },
	{ "devfn", { 0x100 }, 4, true },
	{ "ecam-base", { 0 }, 8 },
	{ "ecam-base", { 0xb0000800 }, 8 },
	{ "ecam-base", { U64_MAX & ~(u64)(SZ_1M - 1) }, 8 },
	{ "ecam-base", { 0xb0000000 }, 4 },
	{ "bars", { 0, 0, 0xfe800000 }, 24 },
	{ "bars", { 6, 0, 0xfe800000, SZ_4K }, 32 },
	{ "bars", { 0, 0, 0xfe800000, SZ_4K, 0, 0, 0xfe900000, SZ_4K }, 64 },
	{ "bars", { 0, 0x80, 0xfe800000, SZ_4K }, 32 },
	{ "bars", { 0, 0, 0xfe800000, 0 }, 32 },
	{ "bars", { 0, 0, 0xfe800000, 3000 }, 32 },
	{ "bars", { 0, 0, 0xfe800800, SZ_4K }, 32 },
	{ "bars", { 0, 0, U64_MAX & ~(u64)(SZ_4K - 1), SZ_4K }, 32 },
	{ "bars", { 0, MK_PCI_BAR_IO, 0xfff0, 0x20 }, 32 },
	{ "bars", { 0, MK_PCI_BAR_IO | MK_PCI_BAR_64, 0xc000, 0x20 }, 32 },
	{ "bars", { 0, 1ULL << 32, 0xfe800000, SZ_4K }, 32 },
	{ "bars", { }, 7 * 32 },
	{ "bars", { }, -1 },
};

static void bad_prop_desc(const struct bad_prop *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s len %d", p->name, p->len);
}

KUNIT_ARRAY_PARAM(bad_prop, bad_props, bad_prop_desc);

static void devices_parse_refuses_bad_property(struct kunit *test)
{
	const struct bad_prop *p = test->param_value;
	struct devices_ctx *ctx = test->priv;
	int node = first_pci_node(test, ctx);
	fdt64_t cells[ARRAY_SIZE(p->cells)];
	fdt32_t cell32;
	const char *why = NULL;
	int i;

	if (p->len < 0) {
		KUNIT_ASSERT_EQ(test, fdt_delprop(ctx->fdt, node, p->name), 0);
	} else if (p->is_u32) {
		cell32 = cpu_to_fdt32(p->cells[0]);
		KUNIT_ASSERT_EQ(test, fdt_setprop(ctx->fdt, node, p->name,
						  &cell32, p->len > 4 ? 4 : p->len),
				0);
		if (p->len > 4)
			KUNIT_ASSERT_EQ(test, fdt_appendprop(ctx->fdt, node,
							     p->name, &cell32,
							     p->len - 4), 0);
	} else {
		for (i = 0; i < ARRAY_SIZE(cells); i++)
			cells[i] = cpu_to_fdt64(p->cells[i]);
		KUNIT_ASSERT_LE(test, p->len, (int)sizeof(cells));
		KUNIT_ASSERT_EQ(test, fdt_setprop(ctx->fdt, node, p->name,
						  cells, p->len), 0);
	}
	KUNIT_EXPECT_EQ(test, mk_handover_parse(ctx->fdt, FDT_BUF_SIZE,
						&ctx->info, &why), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, why);
}

static void devices_parse_refuses_duplicates_and_excess(struct kunit *test)
{
	struct devices_ctx *ctx = test->priv;
	int i;

	/* The same function twice. */
	ctx->inst.devices[1] = ctx->inst.devices[0];
	ctx->inst.devices[2].owned = true;
	ctx->inst.devices[2].desc.bus = 7;
	KUNIT_ASSERT_GT(test, mk_handover_build(&ctx->inst, ctx->fdt,
						FDT_BUF_SIZE), 0);
	KUNIT_EXPECT_EQ(test, devices_parse(ctx), -EINVAL);

	/* More functions than a spawn can own. */
	ctx->inst.nr_devices = MK_MAX_DEVICES;
	for (i = 0; i < MK_MAX_DEVICES; i++)
		fill_pci(&ctx->inst.devices[i], i, 0);
	KUNIT_ASSERT_GT(test, mk_handover_build(&ctx->inst, ctx->fdt,
						FDT_BUF_SIZE), 0);
	KUNIT_ASSERT_EQ(test, devices_parse(ctx), 0);
	KUNIT_ASSERT_EQ(test, fdt_open_into(ctx->fdt, ctx->fdt, FDT_BUF_SIZE),
			0);
	i = fdt_subnode_offset(ctx->fdt, 0, "devices");
	KUNIT_ASSERT_GE(test, i, 0);
	i = fdt_add_subnode(ctx->fdt, i, "pci@0,9,0");
	KUNIT_ASSERT_GE(test, i, 0);
	KUNIT_ASSERT_EQ(test, fdt_setprop_string(ctx->fdt, i, "compatible",
						 "multikernel,pci-function"), 0);
	KUNIT_EXPECT_EQ(test, devices_parse(ctx), -EINVAL);
}

static void devices_parse_survives_garbage_node(struct kunit *test)
{
	struct devices_ctx *ctx = test->priv;
	int node = first_pci_node(test, ctx);
	u8 junk[64];

	memset(junk, 0xa5, sizeof(junk));
	KUNIT_ASSERT_EQ(test, fdt_setprop(ctx->fdt, node, "bus", junk,
					  sizeof(junk)), 0);
	KUNIT_ASSERT_EQ(test, fdt_setprop(ctx->fdt, node, "bars", junk,
					  sizeof(junk)), 0);
	KUNIT_EXPECT_EQ(test, devices_parse(ctx), -EINVAL);
	/* A devices "node" that is a property. */
	KUNIT_ASSERT_EQ(test, fdt_del_node(ctx->fdt,
					   fdt_subnode_offset(ctx->fdt, 0,
							      "devices")), 0);
	KUNIT_ASSERT_EQ(test, fdt_setprop(ctx->fdt, 0, "devices", junk,
					  sizeof(junk)), 0);
	KUNIT_EXPECT_EQ(test, devices_parse(ctx), 0);
	KUNIT_EXPECT_EQ(test, ctx->info.nr_pci, 0);
}

static struct kunit_case device_cases[] = {
	KUNIT_CASE_PARAM(pci_addr_parses_or_refuses, pci_addr_gen_params),
	KUNIT_CASE_PARAM(uart_device_parses_or_refuses, uart_gen_params),
	KUNIT_CASE(create_takes_up_to_max_devices),
	KUNIT_CASE(devices_round_trip_keeps_owned_functions),
	KUNIT_CASE(devices_parse_refuses_bad_uart),
	KUNIT_CASE(devices_node_is_optional),
	KUNIT_CASE(devices_skips_unknown_kinds),
	KUNIT_CASE_PARAM(devices_parse_refuses_bad_property,
			 bad_prop_gen_params),
	KUNIT_CASE(devices_parse_refuses_duplicates_and_excess),
	KUNIT_CASE(devices_parse_survives_garbage_node),
	{}
};

static struct kunit_suite device_suite = {
	.name = "multikernel_device",
	.init = devices_test_init,
	.test_cases = device_cases,
};

kunit_test_suite(device_suite);

// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl: PCI functions and legacy UARTs handed over to instances.
 * --device of create and run, the devices file of an instance, and what
 * to say when the kernel refuses a device.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkctl.h"

/* Hex digits of each part of "[SSSS:]BB:DD.F", as the kernel takes them. */
#define MK_PCI_SEG_DIGITS	4
#define MK_PCI_BUS_DIGITS	2
#define MK_PCI_DEV_DIGITS	2
#define MK_PCI_FN_DIGITS	1
#define MK_PCI_DEVS		32	/* devices on a bus */
#define MK_PCI_FNS		8	/* functions of a device */
#define MK_HEX			16

/* The "class" attribute of a PCI function: base class, subclass, prog-if. */
#define MK_PCI_CLASS_MAX	16
#define MK_PCI_PROG_IF_SHIFT	8

/* "one of A, B, C, D": several functions in one message. */
#define MK_BDF_TEXT_MAX		(sizeof("one of ") + \
				 MKCTL_MAX_DEVICES * (MKCTL_BDF_MAX + 2))

static const char mk_in_use[] =
	"a mounted or open disk, an up network interface, an open tty or the console";

static const char mk_bad_device[] =
	"neither a PCI function like 01:00.0 nor a UART like ttyS1";

/* Highest N of a ttySN the kernel takes in device=. */
#define MK_UART_LINE_MAX	255
#define MK_DECIMAL		10

/* Classes (base class and subclass) of the bridges the kernel refuses. */
static const unsigned int mk_pci_bridge_classes[] = {
	0x0600,		/* host bridge */
	0x0604,		/* PCI-to-PCI bridge */
	0x0607,		/* CardBus bridge */
	0x0609,		/* semi-transparent PCI-to-PCI bridge */
};

/*
 * One part of a PCI address: 1 to @max hex digits at *@pos, which is
 * moved past them. Returns 0 or -EINVAL.
 */
static int mk_hex_part(const char **pos, unsigned int max, unsigned int *val)
{
	const char *s = *pos;
	char *end;

	while (isxdigit((unsigned char)*s))
		s++;
	if (s == *pos || s - *pos > max)
		return -EINVAL;
	*val = strtoul(*pos, &end, MK_HEX);
	*pos = end;
	return end == s ? 0 : -EINVAL;
}

/*
 * Parse the @len bytes at @str as a PCI function, "[SSSS:]BB:DD.F" in hex
 * as lspci prints them, into @bdf (MKCTL_BDF_MAX bytes) in the kernel's
 * form, with the segment: "0000:01:00.0". Returns 0 or -EINVAL.
 */
static int mk_bdf_parse(const char *str, size_t len, char *bdf)
{
	unsigned int seg = 0, bus, dev, fn;
	char text[MKCTL_BDF_MAX];
	const char *s = text;

	if (len >= sizeof(text))
		return -EINVAL;
	memcpy(text, str, len);
	text[len] = '\0';
	if (strchr(text, ':') != strrchr(text, ':') &&
	    (mk_hex_part(&s, MK_PCI_SEG_DIGITS, &seg) || *s++ != ':'))
		return -EINVAL;
	if (mk_hex_part(&s, MK_PCI_BUS_DIGITS, &bus) || *s++ != ':' ||
	    mk_hex_part(&s, MK_PCI_DEV_DIGITS, &dev) || *s++ != '.' ||
	    mk_hex_part(&s, MK_PCI_FN_DIGITS, &fn) || *s)
		return -EINVAL;
	if (dev >= MK_PCI_DEVS || fn >= MK_PCI_FNS)
		return -EINVAL;
	snprintf(bdf, MKCTL_BDF_MAX, "%04x:%02x:%02x.%x", seg, bus, dev, fn);
	return 0;
}

/* Is @dev a legacy UART ("ttyS1") rather than a PCI function? */
static bool mk_is_uart(const char *dev)
{
	return !strncmp(dev, "ttyS", strlen("ttyS"));
}

/*
 * Parse the @len bytes at @str as "ttySN" (N decimal, no leading zero)
 * into @name (MKCTL_BDF_MAX bytes). Returns 0 or -EINVAL.
 */
static int mk_uart_parse(const char *str, size_t len, char *name)
{
	char text[MKCTL_BDF_MAX], *end;
	const char *num = text + strlen("ttyS");
	unsigned long line;

	if (len >= sizeof(text))
		return -EINVAL;
	memcpy(text, str, len);
	text[len] = '\0';
	if (!mk_is_uart(text) || !isdigit((unsigned char)*num) ||
	    (num[0] == '0' && num[1]))
		return -EINVAL;
	line = strtoul(num, &end, MK_DECIMAL);
	if (*end || line > MK_UART_LINE_MAX)
		return -EINVAL;
	snprintf(name, MKCTL_BDF_MAX, "ttyS%lu", line);
	return 0;
}

/* Add one device of --device to the create request. */
static int mk_device_add(const char *cmd, const char *str, size_t len)
{
	struct mk_create_req *req = &mk_create_req;
	char bdf[MKCTL_BDF_MAX];
	unsigned int i;

	if (mk_uart_parse(str, len, bdf) && mk_bdf_parse(str, len, bdf))
		return mkctl_usage_error(cmd, "--device '%.*s': %s", (int)len,
					 str, mk_bad_device);
	for (i = 0; i < req->nr_devices; i++)
		if (!strcmp(req->devices[i], bdf))
			return mkctl_usage_error(cmd, "--device %s is given twice",
						 bdf);
	if (req->nr_devices == MKCTL_MAX_DEVICES)
		return mkctl_usage_error(cmd, "--device: at most %d devices",
					 MKCTL_MAX_DEVICES);
	memcpy(req->devices[req->nr_devices++], bdf, sizeof(bdf));
	return -1;
}

/*
 * --device BDF[,BDF...], which may be given more than once. Returns -1
 * or the usage exit status.
 */
int mk_device_opt(const char *cmd, const char *arg)
{
	const char *s = arg;
	size_t len;
	int ret;

	for (;;) {
		len = strcspn(s, ",");
		if (!len)
			return mkctl_usage_error(cmd, "--device '%s' has an empty entry",
						 arg);
		ret = mk_device_add(cmd, s, len);
		if (ret >= 0 || !s[len])
			return ret;
		s += len + 1;
	}
}

/*
 * The devices file of @name into *@buf, which the caller frees; NULL for
 * a kernel without device handover.
 */
int mk_devices_read(const char *name, char **buf)
{
	size_t len;
	int ret;

	*buf = NULL;
	ret = mk_inst_read_all(name, "devices", buf, &len);
	return ret == -ENOENT ? 0 : ret;
}

/*
 * Split the next "pci 0000:01:00.0 instance" line off *@pos (which it
 * changes). Returns false at the end.
 */
bool mk_devices_next(char **pos, struct mk_dev *dev)
{
	char *key, *val, *sep;

	if (!*pos || !mk_stats_next(pos, &key, &val))
		return false;
	dev->bus = key;
	dev->addr = val;
	sep = val + strcspn(val, " \t");
	if (*sep)
		*sep++ = '\0';
	dev->holder = sep + strspn(sep, " \t");
	return true;
}

/* @n functions for a message: "A", or "one of A, B". */
static const char *mk_bdf_text(const char (*bdfs)[MKCTL_BDF_MAX],
			       unsigned int n, char *buf, size_t len)
{
	size_t used = snprintf(buf, len, "%s", n > 1 ? "one of " : "");
	unsigned int i;

	for (i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s",
				 i ? ", " : "", bdfs[i]);
	return buf;
}

/* PCI sysfs shows no function @bdf (and is there to tell). */
static bool mk_pci_missing(const char *bdf)
{
	return !mk_is_uart(bdf) && !mk_pci_has(bdf, "");
}

/* Function @bdf has no reset method: no reset_method attribute. */
static bool mk_pci_no_reset(const char *bdf)
{
	return !mk_is_uart(bdf) && mk_pci_has(bdf, "") == 1 &&
	       !mk_pci_has(bdf, "reset_method");
}

/* Function @bdf is a bridge, by its class. */
static bool mk_pci_is_bridge(const char *bdf)
{
	char text[MK_PCI_CLASS_MAX], *end;
	unsigned long class;
	size_t i;

	if (mk_is_uart(bdf) || mk_pci_read(bdf, "class", text, sizeof(text)))
		return false;
	class = strtoul(text, &end, MK_HEX);
	if (end == text || *end)
		return false;
	for (i = 0; i < ARRAY_SIZE(mk_pci_bridge_classes); i++)
		if (class >> MK_PCI_PROG_IF_SHIFT == mk_pci_bridge_classes[i])
			return true;
	return false;
}

/* The first --device for which @test holds, or NULL. */
static const char *mk_device_first(bool (*test)(const char *bdf))
{
	const struct mk_create_req *req = &mk_create_req;
	unsigned int i;

	for (i = 0; i < req->nr_devices; i++)
		if (test(req->devices[i]))
			return req->devices[i];
	return NULL;
}

/*
 * Writing @line to create failed with @err: explain it when a device can
 * be the cause. Returns false, having said nothing, when none can.
 */
bool mk_devices_create_failed(const char *what, const char *line, int err)
{
	const struct mk_create_req *req = &mk_create_req;
	char all[MK_BDF_TEXT_MAX];
	const char *bdf;

	if (!req->nr_devices)
		return false;
	mk_bdf_text(req->devices, req->nr_devices, all, sizeof(all));
	switch (err) {
	case ENODEV:
		bdf = mk_device_first(mk_pci_missing);
		if (!bdf && req->nr_devices == 1)
			bdf = req->devices[0];
		if (bdf && mk_is_uart(bdf))
			mkctl_err(what, "%s is not a legacy UART (ttyS0-3 at its ISA port) the host drives",
				  bdf);
		else if (bdf)
			mkctl_err(what, "no PCI function %s", bdf);
		else
			mkctl_err(what, "%s does not exist (see dmesg)", all);
		return true;
	case EOPNOTSUPP:
		bdf = mk_device_first(mk_pci_no_reset);
		if (bdf)
			mkctl_err(what, "%s cannot be handed over (no reset method)",
				  bdf);
		else
			mkctl_err(what, "%s cannot be handed over (no reset method or no ECAM; see dmesg)",
				  all);
		return true;
	case EINVAL:
		bdf = mk_device_first(mk_pci_is_bridge);
		if (bdf)
			mkctl_err(what, "%s is a bridge, not a function that can be handed over",
				  bdf);
		else
			mkctl_err(what, "the kernel refused '%s' (a bridge? see the kernel log (dmesg))",
				  line);
		return true;
	case EBUSY:	/* no instance holds a device or a CPU of ours */
		mkctl_err(what, "%s is in use by the host (%s), or a CPU is online or belongs to another instance (see dmesg)",
			  all, mk_in_use);
		return true;
	}
	return false;
}

/* Does instance @name list one of the --device functions? Which one? */
static const char *mk_device_holder(const char *name)
{
	const struct mk_create_req *req = &mk_create_req;
	const char *found = NULL;
	char *buf, *pos;
	struct mk_dev dev;
	unsigned int i;

	if (mk_devices_read(name, &buf))
		return NULL;
	pos = buf;
	while (!found && mk_devices_next(&pos, &dev)) {
		for (i = 0; i < req->nr_devices && !found; i++)
			if (!strcmp(dev.addr, req->devices[i]))
				found = req->devices[i];
	}
	free(buf);
	return found;
}

/*
 * create failed with EBUSY: if another instance was given one of the
 * --device functions, say which. Returns false, having said nothing,
 * when none was.
 */
bool mk_devices_given(const char *what)
{
	const char *bdf = NULL;
	size_t i, count = 0;
	char **names = NULL;

	if (!mk_create_req.nr_devices || mk_inst_list(&names, &count))
		return false;
	for (i = 0; i < count; i++) {
		bdf = mk_device_holder(names[i]);
		if (bdf) {
			mkctl_err(what, "%s is given to instance '%s'", bdf,
				  names[i]);
			break;
		}
	}
	mk_inst_list_free(names, count);
	return !!bdf;
}

/*
 * start or restart of @name, which is not running, failed with EBUSY: a
 * device it gave back to the host is in use there. Returns false, having
 * said nothing, when it has none there.
 */
bool mk_devices_host_busy(const char *what, const char *name)
{
	char host[MKCTL_MAX_DEVICES][MKCTL_BDF_MAX], all[MK_BDF_TEXT_MAX];
	unsigned int n = 0;
	struct mk_dev dev;
	char *buf, *pos;

	if (mk_devices_read(name, &buf))
		return false;
	pos = buf;
	while (n < MKCTL_MAX_DEVICES && mk_devices_next(&pos, &dev))
		if (!strcmp(dev.holder, "host"))
			snprintf(host[n++], MKCTL_BDF_MAX, "%s", dev.addr);
	free(buf);
	if (!n)
		return false;
	mkctl_err(what, "%s is in use by the host (%s; see dmesg)",
		  mk_bdf_text(host, n, all, sizeof(all)), mk_in_use);
	return true;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Multikernel: parser for writes to /sys/kernel/multikernel/create,
 *
 *	NAME cpus=LIST memory=SIZE [device=[SSSS:]BB:DD.F]...
 *	     [net[=MAC]]... [mtu=BYTES] [vsock] [disk=PATH[,ro]]...
 *	     [iowin=SIZE]
 *
 * Only the syntax is checked here; whether the CPUs and memory can be had
 * is decided when the instance is created.
 */

#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/hex.h>
#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "internal.h"

/* Longest line accepted: a name, a long CPU list and a size. */
#define MK_CREATE_MAX_LEN	1024

/**
 * mk_name_valid() - is this a valid instance name?
 * @name:	NUL-terminated candidate
 *
 * Names are 1..%MULTIKERNEL_NAME_MAX characters of [A-Za-z0-9_-]: safe
 * as a sysfs directory name and in shell scripts.
 *
 * Return: true if valid.
 */
bool mk_name_valid(const char *name)
{
	size_t len = strnlen(name, MULTIKERNEL_NAME_MAX + 1);
	size_t i;

	if (!len || len > MULTIKERNEL_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(mk_name_valid);

static int mk_create_parse_memory(const char *val, u64 *size, const char **why)
{
	const char *s = val;
	int ret;

	ret = mk_parse_size(&s, size);
	if (ret || *s) {
		*why = "memory= is not a size (e.g. 256M)";
		return -EINVAL;
	}
	if (!*size) {
		*why = "memory= is zero";
		return -EINVAL;
	}
	return 0;
}

/* "xx:xx:xx:xx:xx:xx" in hex; lib's mac_pton() needs CONFIG_NET. */
static bool mk_parse_mac(const char *s, u8 *mac)
{
	int i;

	if (strlen(s) != 3 * ETH_ALEN - 1)
		return false;
	for (i = 0; i < ETH_ALEN; i++) {
		if (hex2bin(&mac[i], s + 3 * i, 1))
			return false;
		if (i < ETH_ALEN - 1 && s[3 * i + 2] != ':')
			return false;
	}
	return true;
}

static int mk_create_parse_net(const char *tok, struct mk_create_req *req,
			       const char **why)
{
	struct mk_net_req *net;

	if (req->nr_net >= MK_VIRTIO_MAX_DEVICES) {
		*why = "too many net keys";
		return -EINVAL;
	}
	net = &req->net[req->nr_net];
	if (tok[3] == '=') {
		if (!mk_parse_mac(tok + 4, net->mac) ||
		    !is_valid_ether_addr(net->mac)) {
			*why = "net= is not a unicast MAC address (e.g. 02:00:00:00:00:01)";
			return -EINVAL;
		}
		net->mac_set = true;
	} else if (tok[3]) {
		*why = "unknown key (net or net=MAC?)";
		return -EINVAL;
	}
	req->nr_net++;
	return 0;
}

/* disk=PATH or disk=PATH,ro: an absolute path, without spaces. */
static int mk_create_parse_disk(const char *val, struct mk_create_req *req,
				const char **why)
{
	struct mk_disk_req *disk;
	size_t len = strlen(val);

	if (req->nr_disks >= MK_VIRTIO_MAX_DEVICES) {
		*why = "too many disk keys";
		return -EINVAL;
	}
	disk = &req->disks[req->nr_disks];
	if (len > 3 && !strcmp(val + len - 3, ",ro")) {
		disk->ro = true;
		len -= 3;
	}
	if (val[0] != '/') {
		*why = "disk= is not an absolute path";
		return -EINVAL;
	}
	if (len >= sizeof(disk->path)) {
		*why = "disk= path longer than 255 characters";
		return -EINVAL;
	}
	memcpy(disk->path, val, len);
	disk->path[len] = '\0';
	req->nr_disks++;
	return 0;
}

static int mk_create_parse_iowin(const char *val, u64 *size, const char **why)
{
	const char *s = val;

	if (mk_parse_size(&s, size) || *s || !*size) {
		*why = "iowin= is not a size (e.g. 8M)";
		return -EINVAL;
	}
	if (*size > MK_IOWIN_MAX) {
		*why = "iowin= is larger than 256M";
		return -EINVAL;
	}
	return 0;
}

static int mk_create_parse_mtu(const char *val, unsigned int *mtu,
			       const char **why)
{
	if (kstrtouint(val, 10, mtu) || *mtu < MK_NET_MTU_MIN ||
	    *mtu > MK_NET_MTU_MAX) {
		*why = "mtu= is not a number from 68 to 9000";
		return -EINVAL;
	}
	return 0;
}

/* Parse up to @max hex digits, at least one, from *@pos. */
static int mk_parse_hex(const char **pos, unsigned int max, u32 *val)
{
	unsigned int n = 0;
	int digit;

	*val = 0;
	while (n < max && (digit = hex_to_bin(**pos)) >= 0) {
		*val = *val << 4 | digit;
		(*pos)++;
		n++;
	}
	return n && hex_to_bin(**pos) < 0 ? 0 : -EINVAL;
}

/**
 * mk_parse_pci_addr() - parse a PCI function address, "[SSSS:]BB:DD.F"
 * @s:		the text, all of which must be the address
 * @addr:	filled in on success
 *
 * As lspci prints them: hex segment (up to 4 digits, 0 if left out), bus
 * (up to 2), device (up to 2, below 32) and function (0-7).
 *
 * Return: 0 or -EINVAL.
 */
int mk_parse_pci_addr(const char *s, struct mk_pci_addr *addr)
{
	u32 seg = 0, bus, dev, fn;
	const char *colon = strchr(s, ':');

	if (colon && strchr(colon + 1, ':')) {
		if (mk_parse_hex(&s, 4, &seg) || *s++ != ':')
			return -EINVAL;
	}
	if (mk_parse_hex(&s, 2, &bus) || *s++ != ':' ||
	    mk_parse_hex(&s, 2, &dev) || *s++ != '.' ||
	    mk_parse_hex(&s, 1, &fn) || *s)
		return -EINVAL;
	if (dev >= 32 || fn >= 8)
		return -EINVAL;
	addr->segment = seg;
	addr->bus = bus;
	addr->devfn = dev << 3 | fn;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mk_parse_pci_addr);

/* Longest N of a ttySN named in device=. */
#define MK_UART_LINE_MAX	255

/**
 * mk_parse_device() - parse the value of a device= key
 * @s:		"ttySN" for a legacy UART, or a PCI address
 * @addr:	filled in on success
 *
 * Return: 0 or -EINVAL.
 */
int mk_parse_device(const char *s, struct mk_device_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (str_has_prefix(s, "ttyS")) {
		addr->kind = MK_DEV_UART;
		if (!isdigit(s[4]) || (s[4] == '0' && s[5]) ||
		    kstrtouint(s + 4, 10, &addr->uart_line) ||
		    addr->uart_line > MK_UART_LINE_MAX)
			return -EINVAL;
		return 0;
	}
	addr->kind = MK_DEV_PCI;
	return mk_parse_pci_addr(s, &addr->pci);
}
EXPORT_SYMBOL_IF_KUNIT(mk_parse_device);

static int mk_create_parse_device(const char *val, struct mk_create_req *req,
				  const char **why)
{
	struct mk_device_addr addr;
	unsigned int i;

	if (mk_parse_device(val, &addr)) {
		*why = "device= is neither ttySN nor a PCI address (e.g. 0000:01:00.0)";
		return -EINVAL;
	}
	for (i = 0; i < req->nr_devices; i++) {
		if (!memcmp(&req->devices[i], &addr, sizeof(addr))) {
			*why = "device= names the same function twice";
			return -EINVAL;
		}
	}
	if (req->nr_devices >= MK_MAX_DEVICES) {
		*why = "too many device= keys";
		return -EINVAL;
	}
	req->devices[req->nr_devices++] = addr;
	return 0;
}

static int mk_create_parse_cpus(const char *val, struct cpumask *cpus,
				const char **why)
{
	if (!*val || cpulist_parse(val, cpus)) {
		*why = "cpus= is not a CPU list (e.g. 2-3)";
		return -EINVAL;
	}
	if (cpumask_empty(cpus)) {
		*why = "cpus= is empty";
		return -EINVAL;
	}
	return 0;
}

/**
 * mk_create_parse() - parse "NAME cpus=LIST memory=SIZE"
 * @buf:	what user space wrote; one trailing newline is allowed
 * @req:	filled in on success
 * @why:	on failure, a short reason for the kernel log
 *
 * Keys may come in any order; cpus= and memory= exactly once, device=
 * up to %MK_MAX_DEVICES times, net or net=MAC and vsock (once) up to
 * %MK_VIRTIO_MAX_DEVICES times together with disk=, iowin= at most
 * once and only with a virtio device, mtu= at most once and only with
 * a net key;
 * unknown keys are refused.
 *
 * Return: 0, or -EINVAL for anything malformed.
 */
int mk_create_parse(const char *buf, struct mk_create_req *req,
		    const char **why)
{
	bool have_cpus = false, have_mem = false;
	char *copy, *rest, *tok;
	int ret = -EINVAL;

	if (strnlen(buf, MK_CREATE_MAX_LEN + 1) > MK_CREATE_MAX_LEN) {
		*why = "line too long";
		return -EINVAL;
	}
	copy = kstrdup(buf, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	rest = strim(copy);

	tok = strsep(&rest, " ");
	if (!tok || !mk_name_valid(tok)) {
		*why = "bad name (1-31 characters of A-Z a-z 0-9 _ -)";
		goto out;
	}
	strscpy(req->name, tok, sizeof(req->name));

	while ((tok = strsep(&rest, " ")) != NULL) {
		if (!*tok)
			continue;
		if (str_has_prefix(tok, "cpus=") && !have_cpus) {
			ret = mk_create_parse_cpus(tok + 5, &req->cpus, why);
			have_cpus = true;
		} else if (str_has_prefix(tok, "memory=") && !have_mem) {
			ret = mk_create_parse_memory(tok + 7, &req->mem_size, why);
			have_mem = true;
		} else if (str_has_prefix(tok, "device=")) {
			ret = mk_create_parse_device(tok + 7, req, why);
		} else if (!strcmp(tok, "vsock") && !req->vsock) {
			req->vsock = true;
			ret = 0;
		} else if (str_has_prefix(tok, "net")) {
			ret = mk_create_parse_net(tok, req, why);
		} else if (str_has_prefix(tok, "disk=")) {
			ret = mk_create_parse_disk(tok + 5, req, why);
		} else if (str_has_prefix(tok, "mtu=") && !req->mtu) {
			ret = mk_create_parse_mtu(tok + 4, &req->mtu, why);
		} else if (str_has_prefix(tok, "iowin=") && !req->iowin_size) {
			ret = mk_create_parse_iowin(tok + 6, &req->iowin_size,
						    why);
		} else {
			*why = "unknown or repeated key";
			ret = -EINVAL;
		}
		if (ret)
			goto out;
	}

	ret = -EINVAL;
	if (!have_cpus)
		*why = "missing cpus=";
	else if (!have_mem)
		*why = "missing memory=";
	/* The NICs, the vsock device and the disks share the control blocks. */
	else if (req->nr_net + req->vsock + req->nr_disks >
		 MK_VIRTIO_MAX_DEVICES)
		*why = "too many virtio devices (net, vsock and disk keys)";
	else if (req->iowin_size && !mk_create_wants_iowin(req))
		*why = "iowin= without a virtio device (net, vsock or disk)";
	else if (req->mtu && !req->nr_net)
		*why = "mtu= without a net key";
	else
		ret = 0;
out:
	kfree(copy);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mk_create_parse);

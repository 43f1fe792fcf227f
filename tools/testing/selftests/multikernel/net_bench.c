// SPDX-License-Identifier: GPL-2.0
/*
 * Multikernel network benchmark (not a test: it asserts nothing about
 * speed). One spawn with a virtio NIC and a vsock device, and, in the
 * same run, the same-kernel baseline: a veth pair between the host's
 * network namespace and a second one. For both it prints
 *   TCP stream, each way    mk-net blast of BYTES: Mbit/s at the sender,
 *                           from connect() to the receiver's close
 *   TCP request/response    mk-net rr: one byte each way, median and p99
 *   vsock stream, each way  the spawn only (veth has no vsock), next to
 *                           the veth TCP stream
 * and, per MiB moved, the host's doorbell IPIs and virtio interrupts to
 * the spawn and the queue kicks it took from the spawn (a kick can ride
 * another's doorbell, and a doorbell carry several kicks). Every figure
 * is the median of RUNS. Under QEMU TCG these are functional, relative
 * numbers only.
 *
 *   net_bench [RUNS]	(needs mkctl, iproute2's ip, MK_KERNEL, MK_INITRD)
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdint.h>

#include "../kselftest.h"
#include "mk_test.h"

#define NAME		"nb"
#define DEV		"/dev/mk-" NAME
#define IFNAME		"mk-" NAME
#define SPAWN_CPUS	"2-3"
/* iproute2's: busybox's ip (first in PATH) has no netns or veth peer. */
#define IP		"/usr/bin/ip"
#define NETNS		"mkbench"
#define VETH_HOST	"mkb0"
#define VETH_PEER	"mkb1"
#define VETH_HOST_ADDR	"10.77.0.1"
#define VETH_PEER_ADDR	"10.77.0.2"
#define HOST_ADDR	"10.78.0.1"
#define SPAWN_ADDR	"10.78.0.2"
#define PREFIX		"/24"
#define HOST_VSOCK	"vsock:2"	/* the host's CID */
#define CID_OFFSET	2
#define PORT		6000
#define BYTES		(32LL << 20)
#define RR_COUNT	2000
#define DEFAULT_RUNS	3
#define MAX_RUNS	9
#define ANSWER_WAIT_S	MK_TIMEOUT_S
#define CARRIER_WAIT_S	30
#define BITS_PER_BYTE	8
#define MIB		(1024 * 1024)

static int runs = DEFAULT_RUNS;
static int port = PORT;
/* The spawn's message device, open for the whole run: its answers. */
static int dev_fd = -1;

/* The first line a shell command prints, into @out; 0 or -1. */
static int sh_line(char *out, size_t len, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	FILE *p;
	int ok;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ok = !!fgets(out, len, p);
	if (pclose(p) || !ok)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

/* Send @cmd to the spawn's serve loop (vm/spawn-init). */
static int spawn_cmd(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return write(dev_fd, cmd, n) == n ? 0 : -1;
}

/*
 * The spawn's next answer that starts with @prefix, into @out (what
 * follows the prefix); answers before it are skipped. 0 or -1.
 */
static int spawn_answer(const char *prefix, char *out, size_t len)
{
	struct pollfd pfd = { .fd = dev_fd, .events = POLLIN };
	char msg[256];
	ssize_t n;

	while (poll(&pfd, 1, ANSWER_WAIT_S * 1000) == 1) {
		n = read(dev_fd, msg, sizeof(msg) - 1);
		if (n <= 0)
			return -1;
		while (n > 0 && msg[n - 1] == '\n')
			n--;
		msg[n] = '\0';
		if (!strncmp(msg, prefix, strlen(prefix))) {
			snprintf(out, len, "%s", msg + strlen(prefix));
			return 0;
		}
	}
	fprintf(stderr, "net_bench: no '%s' answer from the spawn\n", prefix);
	return -1;
}

/* "BYTES USEC" of mk-net blast, as Mbit/s; -1 if it is not that. */
static double mbit_of(const char *blast)
{
	unsigned long long bytes, us;

	if (sscanf(blast, "%llu %llu", &bytes, &us) != 2 ||
	    bytes != BYTES || !us)
		return -1;
	return (double)bytes * BITS_PER_BYTE / us;
}

/*
 * One way of a stream. The receiver is a host command (@host_sink, %d
 * the port) or the spawn's sink on @spawn_sink_port (a port prefix: ""
 * or "vsock:"); the sender a host command (@host_blast, %d the port,
 * %lld the bytes) or the spawn's blast to @spawn_blast_to.
 */
struct stream {
	const char *host_sink;
	const char *spawn_sink_port;
	const char *host_blast;
	const char *spawn_blast_to;
};

/* @s, @runs times: the median Mbit/s at the sender, or -1. */
static double stream(const char *what, const struct stream *s)
{
	char out[128], got[64], prefix[64];
	double mbit[MAX_RUNS];
	int i;

	for (i = 0; i < runs; i++, port++) {
		out[0] = '\0';
		if (s->host_sink ? mk_sh(s->host_sink, port) :
		    spawn_cmd("tcp-sink %s%d\n", s->spawn_sink_port, port))
			goto fail;
		/* The spawn's answers name the port: none of an earlier run. */
		snprintf(prefix, sizeof(prefix), "tcp-blast %d ", port);
		if (s->host_blast ? sh_line(out, sizeof(out), s->host_blast, port, BYTES) :
		    spawn_cmd("tcp-blast %s %d %lld\n", s->spawn_blast_to, port, BYTES) ||
		    spawn_answer(prefix, out, sizeof(out)))
			goto fail;
		mbit[i] = mbit_of(out);
		if (mbit[i] < 0)
			goto fail;
		/* The spawn's sink answers once it has it all. */
		snprintf(prefix, sizeof(prefix), "tcp-sink %s%d ", s->spawn_sink_port ?: "", port);
		if (!s->host_sink &&
		    (spawn_answer(prefix, got, sizeof(got)) || atoll(got) != BYTES))
			goto fail;
	}
	return mk_median(mbit, runs);
fail:
	fprintf(stderr, "net_bench: %s failed (last output '%s')\n", what, out);
	return -1;
}

/*
 * One-byte request/response against an echo server, the host's
 * (@host_echo, %d the port) or the spawn's (NULL), @runs times of
 * RR_COUNT with @rr (%d the port, %d the count): medians of the
 * medians and of the p99s, in us.
 */
static int request_response(const char *what, const char *host_echo,
			    const char *rr, double *med, double *p99)
{
	double m[MAX_RUNS], p[MAX_RUNS];
	char out[128] = "", got[64], prefix[32];
	int i, n;

	for (i = 0; i < runs; i++, port++) {
		snprintf(prefix, sizeof(prefix), "tcp-echo %d ", port);
		if (host_echo ? mk_sh(host_echo, port) :
		    spawn_cmd("tcp-echo %d\n", port))
			goto fail;
		if (sh_line(out, sizeof(out), rr, port, RR_COUNT) ||
		    sscanf(out, "%d %lf %lf", &n, &m[i], &p[i]) != 3 ||
		    n != RR_COUNT)
			goto fail;
		if (!host_echo && spawn_answer(prefix, got, sizeof(got)))
			goto fail;
	}
	*med = mk_median(m, runs);
	*p99 = mk_median(p, runs);
	return 0;
fail:
	fprintf(stderr, "net_bench: %s failed (last output '%s')\n", what, out);
	return -1;
}

static int veth_up(void)
{
	static const char *const steps[] = {
		"mkdir -p /run/netns",
		IP " netns add " NETNS,
		IP " link add " VETH_HOST " type veth peer name " VETH_PEER " netns " NETNS,
		IP " addr add " VETH_HOST_ADDR PREFIX " dev " VETH_HOST,
		IP " link set " VETH_HOST " up",
		IP " -n " NETNS " addr add " VETH_PEER_ADDR PREFIX " dev " VETH_PEER,
		IP " -n " NETNS " link set " VETH_PEER " up",
		IP " -n " NETNS " link set lo up",
		"ping -c 1 -W 5 " VETH_PEER_ADDR " >/dev/null",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		if (mk_sh("%s", steps[i])) {
			fprintf(stderr, "net_bench: '%s' failed\n", steps[i]);
			return -1;
		}
	}
	return 0;
}

static void veth_down(void)
{
	mk_sh(IP " link del " VETH_HOST " 2>/dev/null; "
	      IP " netns del " NETNS " 2>/dev/null; true");
}

/* The spawn, running, its NIC up at both ends: its vsock CID, or -1. */
static int spawn_up(void)
{
	char out[64];
	int i;

	if (mk_sh("mkctl create " NAME " --cpus " SPAWN_CPUS
		  " --memory 256M --offline --net --vsock") ||
	    mk_sh("mkctl load " NAME " --kernel " MK_KERNEL " --initrd "
		  MK_INITRD " --cmdline '" MK_CMDLINE "'") ||
	    mk_sh("ip link set " IFNAME " up && ip addr add " HOST_ADDR PREFIX
		  " dev " IFNAME) ||
	    mk_sh("mkctl start " NAME " --wait=%d >/dev/null", MK_TIMEOUT_S))
		return -1;
	dev_fd = open(DEV, O_RDWR);
	if (dev_fd < 0 || spawn_cmd("net-up " SPAWN_ADDR PREFIX "\n") ||
	    spawn_answer("net-up ", out, sizeof(out)) || strcmp(out, "0"))
		return -1;
	for (i = 0; i < CARRIER_WAIT_S; i++) {
		if (!mk_sh("ping -c 1 -W 1 " SPAWN_ADDR " >/dev/null"))
			break;
	}
	if (i == CARRIER_WAIT_S || mk_inst_read(NAME, "id", out, sizeof(out)))
		return -1;
	return atoi(out) + CID_OFFSET;
}

/* @count per MiB of the TCP streams of both ways. */
static double per_mib(long long count)
{
	return (double)count * MIB / (2.0 * runs * BYTES);
}

static void print_pair(const char *what, double spawn, double veth)
{
	printf("%-30s spawn %7.1f Mbit/s   veth %7.1f Mbit/s   ratio %5.2f\n",
	       what, spawn, veth, spawn / veth);
}

int main(int argc, char **argv)
{
	static const struct stream veth_out = {
		.host_sink = IP " netns exec " NETNS " mk-net sink %d >/dev/null &",
		.host_blast = "mk-net blast " VETH_PEER_ADDR " %d %lld",
	};
	static const struct stream veth_in = {
		.host_sink = "mk-net sink %d >/dev/null &",
		.host_blast = IP " netns exec " NETNS " mk-net blast " VETH_HOST_ADDR " %d %lld",
	};
	static const struct stream net_out = {
		.spawn_sink_port = "",
		.host_blast = "mk-net blast " SPAWN_ADDR " %d %lld",
	};
	static const struct stream net_in = {
		.host_sink = "mk-net sink %d >/dev/null &",
		.spawn_blast_to = HOST_ADDR,
	};
	static const struct stream vsock_in = {
		.host_sink = "mk-net sink vsock:%d >/dev/null &",
		.spawn_blast_to = HOST_VSOCK,
	};
	struct stream vsock_out = { .spawn_sink_port = "vsock:" };
	double v_out, v_in, n_out, n_in, vs_out, vs_in;
	double v_med, v_p99, n_med, n_p99;
	long long doorbells, irqs, kicks;
	char vsock_blast[64];
	int cid, ret = 1;

	if (argc > 1)
		runs = atoi(argv[1]);
	if (runs < 1 || runs > MAX_RUNS)
		runs = DEFAULT_RUNS;
	mk_cleanup();
	veth_down();
	cid = spawn_up();
	if (veth_up() || cid < 0) {
		fprintf(stderr, "net_bench: cannot set up the veth pair or the spawn\n");
		goto out;
	}
	snprintf(vsock_blast, sizeof(vsock_blast), "mk-net blast vsock:%d %%d %%lld", cid);
	vsock_out.host_blast = vsock_blast;

	v_out = stream("veth out", &veth_out);
	v_in = stream("veth in", &veth_in);
	doorbells = mk_stat(NAME, "doorbells");
	irqs = mk_stat(NAME, "virtio0_interrupts");
	kicks = mk_stat(NAME, "virtio0_kicks");
	n_out = stream("TCP to the spawn", &net_out);
	n_in = stream("TCP from the spawn", &net_in);
	doorbells = mk_stat(NAME, "doorbells") - doorbells;
	irqs = mk_stat(NAME, "virtio0_interrupts") - irqs;
	kicks = mk_stat(NAME, "virtio0_kicks") - kicks;
	vs_out = stream("vsock to the spawn", &vsock_out);
	vs_in = stream("vsock from the spawn", &vsock_in);
	if (v_out < 0 || v_in < 0 || n_out < 0 || n_in < 0 || vs_out < 0 ||
	    vs_in < 0 ||
	    request_response("veth rr", IP " netns exec " NETNS " mk-net echo %d >/dev/null &",
			     "mk-net rr " VETH_PEER_ADDR " %d %d", &v_med, &v_p99) ||
	    request_response("spawn rr", NULL, "mk-net rr " SPAWN_ADDR " %d %d",
			     &n_med, &n_p99))
		goto out;

	printf("\nnetwork: a spawn (2 CPUs, virtio NIC and vsock over shared memory) against\n"
	       "a veth pair between two network namespaces of the host, in the same run;\n"
	       "%lld MiB per stream, Mbit/s at the sender, medians of %d\n",
	       BYTES / MIB, runs);
	print_pair("TCP stream host -> spawn", n_out, v_out);
	print_pair("TCP stream spawn -> host", n_in, v_in);
	print_pair("vsock stream host -> spawn", vs_out, v_out);
	print_pair("vsock stream spawn -> host", vs_in, v_in);
	printf("%-30s spawn %7.1f us (p99 %.1f)   veth %7.1f us (p99 %.1f)   ratio %5.2f\n",
	       "TCP request/response, 1 byte", n_med, n_p99, v_med, v_p99, n_med / v_med);
	printf("%-30s host to spawn: %.1f doorbell IPIs for %.1f virtio interrupts;\n"
	       "%-30s spawn to host: %.1f queue kicks taken\n",
	       "per MiB of TCP, both ways", per_mib(doorbells), per_mib(irqs), "",
	       per_mib(kicks));
	ret = 0;
out:
	if (dev_fd >= 0)
		close(dev_fd);
	mk_cleanup();
	veth_down();
	return ret;
}

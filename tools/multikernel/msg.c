// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl send, recv and ping: messages to and from an instance's kernel
 * through its message device, /dev/mk-NAME. Each write() is one message
 * and each read() one whole message.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "json.h"
#include "mkctl.h"

#define MK_PING_DEFAULT		10
#define MK_PING_MAX		100000
#define MK_NS_PER_US		1000.0
/* How long the kernel waits for the echo of a ping. */
#define MK_PING_TIMEOUT_S	1

static void send_help(void)
{
	printf("Usage: mkctl send NAME DATA\n"
	       "       mkctl send NAME - <FILE\n"
	       "\n"
	       "Send DATA to the kernel of a running instance as one message,\n"
	       "byte for byte (no newline is added); '-' sends what standard\n"
	       "input holds instead. A message is 1 to %d bytes. Put '--'\n"
	       "before DATA that starts with '-'.\n",
	       MULTIKERNEL_MSG_MAX);
}

static void recv_help(void)
{
	printf("Usage: mkctl recv NAME [--timeout SECONDS]\n"
	       "\n"
	       "Wait for the next message from the kernel of an instance and\n"
	       "print it, with a newline after it unless it ends with one.\n"
	       "Fails when the instance is not running and nothing is left.\n"
	       "\n"
	       "  --timeout SECONDS  fail if no message came within SECONDS\n"
	       "                     (default: wait as long as it takes)\n");
}

static void ping_help(void)
{
	printf("Usage: mkctl ping NAME [-c COUNT] [--json]\n"
	       "\n"
	       "Time round trips to the kernel of a running instance, which\n"
	       "echoes them itself: this measures the mailbox, not a program\n"
	       "in the instance. Prints each round trip, then the minimum,\n"
	       "median and 99th percentile; --json prints only those, in ns.\n"
	       "\n"
	       "  -c, --count COUNT  how many round trips, 1 to %d\n"
	       "                     (default %d)\n",
	       MK_PING_MAX, MK_PING_DEFAULT);
}

/*
 * Open the message device of @a's instance with @flags into @m. Returns
 * -1 when the command should go on, or an exit status.
 */
int mk_msg_open(const struct mkctl_args *a, int flags, struct mk_msg *m)
{
	m->fd = mk_msgdev_open(a->name, flags, m->path, sizeof(m->path));
	if (m->fd >= 0)
		return -1;
	if (m->fd == -ENOENT)
		mkctl_err(a->what, "%s does not exist (a kernel without message devices?)",
			  m->path);
	else
		mkctl_err(a->what, "%s: %s", m->path, mkctl_strerror(-m->fd));
	return MKCTL_EXIT_FAILED;
}

/*
 * Parse the arguments of a message command, then open the message device
 * of its instance with @flags into @m. Returns -1 when the command should
 * go on, or an exit status.
 */
static int mk_msg_parse(struct mkctl_args *a, int argc, char **argv,
			int flags, struct mk_msg *m)
{
	int ret = mkctl_parse(a, argc, argv);

	return ret >= 0 ? ret : mk_msg_open(a, flags, m);
}

/* A write, read or ping on the message device @m of @name failed. */
void mk_msg_failed(const char *what, const char *name, const struct mk_msg *m,
		   int err)
{
	switch (err) {
	case EPIPE:
		mkctl_err(what, "%s is not running", name);
		break;
	case ETIMEDOUT:
		mkctl_err(what, "no echo from %s within %d s", name,
			  MK_PING_TIMEOUT_S);
		break;
	case ENOTTY:
		mkctl_err(what, "%s is not a multikernel message device",
			  m->path);
		break;
	default:
		mkctl_err(what, "%s: %s", m->path, mkctl_strerror(err));
	}
}

/* Read @fd to its end, or until @buf is full. Returns the length. */
static ssize_t mk_read_fd(int fd, char *buf, size_t size)
{
	size_t used = 0;
	ssize_t n;

	while (used < size) {
		n = read(fd, buf + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		used += n;
	}
	return used;
}

/* DATA, unless it is "-" for standard input, must fit in a message. */
static int mk_send_check(const struct mkctl_args *a)
{
	size_t len = strlen(a->data);

	if (!len)
		return mkctl_usage_error(a->cmd,
					 "DATA is empty (a message needs at least one byte)");
	if (len > MULTIKERNEL_MSG_MAX)
		return mkctl_usage_error(a->cmd,
					 "DATA is %zu bytes long, more than the %d a message holds",
					 len, MULTIKERNEL_MSG_MAX);
	return -1;
}

/* Read the message to send from standard input. Returns its length or -1. */
static ssize_t mk_send_stdin(const char *what, char *buf, size_t size)
{
	ssize_t len = mk_read_fd(STDIN_FILENO, buf, size);

	if (len < 0)
		mkctl_err(what, "cannot read standard input: %s",
			  strerror(-len));
	else if (!len)
		mkctl_err(what, "standard input is empty (a message needs at least one byte)");
	else if (len > MULTIKERNEL_MSG_MAX)
		mkctl_err(what, "standard input holds more than the %d bytes a message holds",
			  MULTIKERNEL_MSG_MAX);
	else
		return len;
	return -1;
}

int cmd_send(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "send", .help = send_help, .operand = MKCTL_INSTANCE,
		.data_metavar = "DATA", .check = mk_send_check,
	};
	static char buf[MULTIKERNEL_MSG_MAX + 1];
	const char *msg = buf;
	ssize_t len, n = 0;
	struct mk_msg m;
	int ret;

	/* O_TRUNC does nothing to a device, but a fake one holds the last. */
	ret = mk_msg_parse(&a, argc, argv, O_WRONLY | O_TRUNC, &m);
	if (ret >= 0)
		return ret;
	if (strcmp(a.data, "-")) {
		msg = a.data;
		len = strlen(msg);
	} else {
		len = mk_send_stdin(a.what, buf, sizeof(buf));
	}
	if (len > 0) {
		n = write(m.fd, msg, len);
		if (n < 0)
			mk_msg_failed(a.what, a.name, &m, errno);
		else if (n != len)
			mkctl_err(a.what, "%s took %zd of %zd bytes", m.path, n,
				  len);
	}
	close(m.fd);
	return len > 0 && n == len ? MKCTL_EXIT_OK : MKCTL_EXIT_FAILED;
}

/*
 * Wait for a message on @fd, up to mk_timeout_secs with --timeout, and
 * read it into @buf. Returns its length, 0 when the instance is gone and
 * nothing is left, -ETIMEDOUT or another negative errno.
 */
static ssize_t mk_recv_wait(int fd, char *buf, size_t size)
{
	long long deadline = mkctl_now_ms() + mk_timeout_secs * 1000LL, left;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int ret;

	for (;;) {
		left = -1;
		if (mk_timeout_arg) {
			left = deadline - mkctl_now_ms();
			if (left < 0)
				left = 0;
		}
		ret = poll(&pfd, 1, left);
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (!ret)
			return -ETIMEDOUT;
		if (ret < 0)
			continue;
		/* POLLIN or POLLHUP: a message, or the end. */
		n = read(fd, buf, size);
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n < 0 ? -errno : n;
	}
}

int cmd_recv(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "recv", .help = recv_help, .opts = { mk_timeout_opts },
		.operand = MKCTL_INSTANCE,
	};
	static char buf[MULTIKERNEL_MSG_MAX];
	struct mk_msg m;
	ssize_t n;
	int ret;

	/* Polled, never blocking; a fake FIFO opens without a writer. */
	ret = mk_msg_parse(&a, argc, argv, O_RDONLY | O_NONBLOCK, &m);
	if (ret >= 0)
		return ret;
	n = mk_recv_wait(m.fd, buf, sizeof(buf));
	close(m.fd);
	if (n > 0) {
		fwrite(buf, 1, n, stdout);
		if (buf[n - 1] != '\n')
			putchar('\n');
		return MKCTL_EXIT_OK;
	}
	if (n == -ETIMEDOUT)
		mkctl_err(a.what, "no message within %u s", mk_timeout_secs);
	else
		mk_msg_failed(a.what, a.name, &m, n ? -n : EPIPE);
	return MKCTL_EXIT_FAILED;
}

static const char *mk_count_arg;
static uint64_t mk_ping_count = MK_PING_DEFAULT;

static int mk_ping_check(const struct mkctl_args *a)
{
	if (!mk_count_arg)
		return -1;
	if (mkctl_parse_u64(mk_count_arg, &mk_ping_count) || !mk_ping_count ||
	    mk_ping_count > MK_PING_MAX)
		return mkctl_usage_error(a->cmd, "-c needs a count from 1 to %d, not '%s'",
					 MK_PING_MAX, mk_count_arg);
	return -1;
}

static int mk_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort the round trips and print min, median and p99 as spawn_bench does. */
static void mk_ping_summary(uint64_t *ns, unsigned int n)
{
	uint64_t min, median, p99;
	struct json_writer *w;

	qsort(ns, n, sizeof(*ns), mk_cmp_u64);
	min = ns[0];
	median = ns[n / 2];
	p99 = ns[(uint64_t)n * 99 / 100];
	if (!mkctl_opts.json) {
		printf("%u pings: min %.1f us, median %.1f us, p99 %.1f us\n",
		       n, min / MK_NS_PER_US, median / MK_NS_PER_US,
		       p99 / MK_NS_PER_US);
		return;
	}
	w = json_new(stdout, mkctl_opts.pretty);
	if (!w)
		return;
	json_start_object(w, NULL);
	json_u64(w, "count", n);
	json_u64(w, "min_ns", min);
	json_u64(w, "median_ns", median);
	json_u64(w, "p99_ns", p99);
	json_end_object(w);
	json_destroy(w);
}

int cmd_ping(int argc, char **argv)
{
	const struct mkctl_opt opts[] = {
		{ .name = "count", .key = 'c', .has_arg = required_argument,
		  .arg = &mk_count_arg },
		{ }
	};
	struct mkctl_args a = {
		.cmd = "ping", .help = ping_help, .opts = { opts },
		.operand = MKCTL_INSTANCE, .check = mk_ping_check,
	};
	struct multikernel_ping ping;
	unsigned int i = 0, n;
	struct mk_msg m;
	uint64_t *ns;
	int ret;

	ret = mk_msg_parse(&a, argc, argv, O_RDONLY, &m);
	if (ret >= 0)
		return ret;
	n = mk_ping_count;
	ns = calloc(n, sizeof(*ns));
	if (!ns)
		mkctl_err(a.what, "out of memory");
	for (; ns && i < n; i++) {
		if (ioctl(m.fd, MULTIKERNEL_IOC_PING, &ping)) {
			mk_msg_failed(a.what, a.name, &m, errno);
			break;
		}
		ns[i] = ping.ns;
		if (!mkctl_opts.json) {
			printf("seq=%u time=%.1f us\n", i + 1,
			       ns[i] / MK_NS_PER_US);
			fflush(stdout);
		}
	}
	close(m.fd);
	if (ns && i == n)
		mk_ping_summary(ns, n);
	free(ns);
	return ns && i == n ? MKCTL_EXIT_OK : MKCTL_EXIT_FAILED;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl console: the hvc0 console of a running instance, as a terminal.
 * What is typed goes to it with MULTIKERNEL_IOC_CONSOLE_INPUT on its
 * message device; what it prints is read from its console ring, as
 * mkctl log --follow reads it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "mkctl.h"

/* How often the state and the console are read. */
#define MK_CONSOLE_TICK_MS	50
/* How soon input the ring had no room for is tried again. */
#define MK_CONSOLE_RETRY_MS	1
/* Without a terminal: output is printed this long after the input ends. */
#define MK_CONSOLE_LINGER_S	2
/* Input read but not sent yet, while the ring is full. */
#define MK_CONSOLE_BUF		4096
#define MK_CTRL(c)		((c) & 0x1f)

static void console_help(void)
{
	printf("Usage: mkctl console NAME [--escape CHAR] [--timeout SECONDS]\n"
	       "\n"
	       "Attach to the console (hvc0) of a running instance: print what\n"
	       "it writes from now on, after the line it is writing (a login\n"
	       "prompt, say), and send it what is typed. On a terminal, standard\n"
	       "input is put in raw mode and Ctrl-] detaches; otherwise all of\n"
	       "standard input is sent and output printed until SECONDS after\n"
	       "its end. Either way mkctl ends when the instance stops running.\n"
	       "\n"
	       "  --escape CHAR      detach with CHAR instead: ^X for Ctrl-X, or\n"
	       "                     a single character\n"
	       "  --timeout SECONDS  without a terminal, print output for\n"
	       "                     SECONDS after the end of standard input\n"
	       "                     (default %d)\n",
	       MK_CONSOLE_LINGER_S);
}

static const char *mk_escape_arg;
static int mk_escape = MK_CTRL(']');

/* --escape CHAR: ^X (^@ to ^_, ^? for DEL) or one character. */
static int mk_console_check(const struct mkctl_args *a)
{
	const char *s = mk_escape_arg;
	int c;

	if (!s)
		return -1;
	c = toupper((unsigned char)s[1]);
	if (s[0] == '^' && c == '?' && !s[2])
		mk_escape = 0x7f;
	else if (s[0] == '^' && c >= '@' && c <= '_' && !s[2])
		mk_escape = MK_CTRL(c);
	else if (s[0] && !s[1])
		mk_escape = (unsigned char)s[0];
	else
		return mkctl_usage_error(a->cmd,
					 "--escape needs ^X or one character, not '%s'",
					 s);
	return -1;
}

/* The terminal as it was; the signal handlers exist only once it is set. */
static struct termios mk_tty_saved;
static bool mk_tty_is_raw;

static void mk_tty_restore(void)
{
	if (mk_tty_is_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &mk_tty_saved);
	mk_tty_is_raw = false;
}

/* Killed: restore the terminal (again, it does no harm), die of @sig. */
static void mk_tty_signal(int sig)
{
	tcsetattr(STDIN_FILENO, TCSANOW, &mk_tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Put the terminal on standard input in raw mode, as cfmakeraw() does,
 * but keep output processing: a "\n" of the console still starts a line.
 */
static int mk_tty_make_raw(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = mk_tty_signal };
	struct termios raw;
	size_t i;

	if (tcgetattr(STDIN_FILENO, &mk_tty_saved))
		return -errno;
	raw = mk_tty_saved;
	cfmakeraw(&raw);
	raw.c_oflag = mk_tty_saved.c_oflag;
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw))
		return -errno;
	mk_tty_is_raw = true;
	return 0;
}

/* Input on its way to the instance. */
struct mk_console_in {
	char buf[MK_CONSOLE_BUF];
	size_t len;
	bool eof;
	bool detach;		/* the escape character came */
};

/* Read standard input into @in, up to @escape (-1: none). */
static int mk_console_read_in(struct mk_console_in *in, int escape)
{
	char *start = in->buf + in->len, *esc;
	ssize_t n;

	n = read(STDIN_FILENO, start, sizeof(in->buf) - in->len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	in->eof = !n;
	esc = escape >= 0 ? memchr(start, escape, n) : NULL;
	if (esc) {
		in->detach = true;
		n = esc - start;
	}
	in->len += n;
	return 0;
}

/*
 * Send what @in holds, MULTIKERNEL_CONSOLE_INPUT_MAX bytes an ioctl.
 * Returns 0, -EAGAIN when the ring is full, or another negative errno.
 */
static int mk_console_send(int fd, struct mk_console_in *in)
{
	struct multikernel_console_input ci;
	size_t done = 0;
	int ret = 0;

	while (done < in->len) {
		ci.len = min_t(size_t, in->len - done, sizeof(ci.data));
		memcpy(ci.data, in->buf + done, ci.len);
		if (ioctl(fd, MULTIKERNEL_IOC_CONSOLE_INPUT, &ci)) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		done += ci.len;
	}
	in->len -= done;
	memmove(in->buf, in->buf + done, in->len);
	return ret;
}

/*
 * Copy standard input to the instance and its console to standard output
 * until the escape character, the end of input and @linger_ms more, or
 * the instance no longer running. Returns an exit status.
 */
static int mk_console_loop(const struct mkctl_args *a, const struct mk_msg *m,
			   int escape, long long linger_ms)
{
	struct mk_console_mark mark = { .last_line = true };
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	long long now, tick = 0, end = -1, wait;
	static struct mk_console_in in;
	char state[MK_STATE_MAX];
	int ret, n;

	for (;;) {
		ret = in.len ? mk_console_send(m->fd, &in) : 0;
		if (ret && ret != -EAGAIN) {
			mk_msg_failed(a->what, a->name, m, -ret);
			return MKCTL_EXIT_FAILED;
		}
		now = mkctl_now_ms();
		if (in.detach) {
			fputc('\n', stderr);
			return MKCTL_EXIT_OK;
		}
		if (in.eof && !in.len && end < 0)
			end = now + linger_ms;
		if (end >= 0 && now >= end)
			return MKCTL_EXIT_OK;
		if (now >= tick) {
			ret = mk_console_poll(a->what, a->name, &mark, state,
					      sizeof(state));
			if (ret) {
				mkctl_fail(a->what, a->name, -ret);
				return MKCTL_EXIT_FAILED;
			}
			if (strcmp(state, "running"))
				break;
			tick = now + MK_CONSOLE_TICK_MS;
		}
		wait = in.len ? MK_CONSOLE_RETRY_MS : tick - now;
		if (end >= 0)
			wait = min(wait, end - now);
		n = !in.eof && in.len < sizeof(in.buf);
		n = poll(&pfd, n, wait);
		ret = 0;
		if (n > 0)
			ret = mk_console_read_in(&in, escape);
		if (ret || (n < 0 && errno != EINTR)) {
			mkctl_err(a->what, "cannot read standard input: %s",
				  strerror(ret ? -ret : errno));
			return MKCTL_EXIT_FAILED;
		}
	}
	if (mk_tty_is_raw)
		fprintf(stderr, "\n%s is no longer running (state %s).\n",
			a->name, *state ? state : "destroyed");
	return MKCTL_EXIT_OK;
}

int cmd_console(int argc, char **argv)
{
	const struct mkctl_opt opts[] = {
		{ .name = "escape", .has_arg = required_argument,
		  .arg = &mk_escape_arg },
		{ }
	};
	struct mkctl_args a = {
		.cmd = "console", .help = console_help,
		.opts = { opts, mk_timeout_opts },
		.operand = MKCTL_INSTANCE, .check = mk_console_check,
	};
	long long linger_ms = MK_CONSOLE_LINGER_S * 1000LL;
	char state[MK_STATE_MAX], key[16];
	bool tty = isatty(STDIN_FILENO);
	struct mk_msg m;
	int ret;

	ret = mkctl_parse(&a, argc, argv);
	if (ret >= 0)
		return ret;
	ret = mk_inst_read(a.name, "state", state, sizeof(state));
	if (ret) {
		mkctl_fail(a.what, a.name, -ret);
		return MKCTL_EXIT_FAILED;
	}
	if (strcmp(state, "running")) {
		mkctl_err(a.what, "%s is not running (state %s)", a.name, state);
		return MKCTL_EXIT_FAILED;
	}
	ret = mk_msg_open(&a, O_WRONLY, &m);
	if (ret >= 0)
		return ret;
	if (mk_timeout_arg)
		linger_ms = mk_timeout_secs * 1000LL;

	if (tty) {
		if (mk_escape < 0x20 || mk_escape == 0x7f)
			snprintf(key, sizeof(key), "Ctrl-%c", mk_escape ^ 0x40);
		else
			snprintf(key, sizeof(key), "'%c'", mk_escape);
		fprintf(stderr, "Connected to %s's console; %s detaches.\n",
			a.name, key);
		ret = mk_tty_make_raw();
		if (ret) {
			mkctl_err(a.what, "cannot put the terminal in raw mode: %s",
				  strerror(-ret));
			close(m.fd);
			return MKCTL_EXIT_FAILED;
		}
	}
	ret = mk_console_loop(&a, &m, tty ? mk_escape : -1, linger_ms);
	mk_tty_restore();
	close(m.fd);
	return ret;
}

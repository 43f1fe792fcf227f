// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl log: an instance's console output, which outlives a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mkctl.h"

#define MK_FOLLOW_MS	200
/* Times to read the console again when it changed while being read. */
#define MK_SNAPSHOT_TRIES	4

/* The console and the stats counters that say what is new in it. */
struct mk_console {
	char *buf;
	size_t len;
	uint64_t total;		/* bytes ever written since the last start */
	uint64_t starts;
};

static void log_help(void)
{
	printf("Usage: mkctl log NAME [-f|--follow]\n"
	       "\n"
	       "Print the last console output of an instance (up to 64 KiB);\n"
	       "it is kept after the instance stops or crashes.\n"
	       "\n"
	       "  -f, --follow   keep printing new output as it comes, until\n"
	       "                 the instance is no longer starting or running\n");
}

/* console_bytes and starts from stats; -ENOENT without console_bytes. */
static int mk_console_counters(const char *name, uint64_t *total,
			       uint64_t *starts)
{
	char *buf, *pos, *key, *val;
	int ret = -ENOENT;
	size_t len;

	*starts = 0;
	if (mk_inst_read_all(name, "stats", &buf, &len))
		return ret;
	pos = buf;
	while (mk_stats_next(&pos, &key, &val)) {
		if (!strcmp(key, "console_bytes"))
			ret = mkctl_parse_u64(val, total) ? -EPROTO : 0;
		else if (!strcmp(key, "starts"))
			mkctl_parse_u64(val, starts);
	}
	free(buf);
	return ret;
}

/*
 * Read the console with the counters before and after, until they agree,
 * so that con->total counts exactly the bytes up to the end of con->buf.
 * A kernel without console_bytes gets the console's length instead.
 */
static int mk_console_read(const char *name, struct mk_console *con)
{
	uint64_t before, after, starts;
	int i, ret, counted;

	for (i = 0; i < MK_SNAPSHOT_TRIES; i++) {
		counted = mk_console_counters(name, &before, &starts);
		ret = mk_inst_read_all(name, "console", &con->buf, &con->len);
		if (ret)
			return ret;
		if (counted || mk_console_counters(name, &after, &starts)) {
			con->total = con->len;
			break;
		}
		con->total = after;
		if (before == after)
			break;
		if (i < MK_SNAPSHOT_TRIES - 1)
			free(con->buf);
	}
	con->starts = starts;
	return 0;
}

static void mk_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * Read the console of @name and print what it holds beyond @mark, then
 * move @mark to its end. The first time (!mark->set) print all of it, or
 * with mark->last_line only what follows its last newline: the line being
 * written, a login prompt say.
 */
int mk_console_print_new(const char *what, const char *name,
			 struct mk_console_mark *mark)
{
	struct mk_console now;
	uint64_t fresh;
	char *nl;
	int ret;

	ret = mk_console_read(name, &now);
	if (ret)
		return ret;
	fresh = now.len;
	if (mark->set && mark->starts == now.starts && now.total >= mark->total)
		fresh = now.total - mark->total;
	else if (mark->set)	/* restarted: the counter began again */
		fresh = now.total;
	if (fresh > now.len) {
		mkctl_err(what, "%llu bytes were overwritten before they could be read",
			  (unsigned long long)(fresh - now.len));
		fresh = now.len;
	}
	if (!mark->set && mark->last_line) {
		nl = memrchr(now.buf, '\n', now.len);
		if (nl)
			fresh = now.buf + now.len - nl - 1;
	}
	fwrite(now.buf + now.len - fresh, 1, fresh, stdout);
	fflush(stdout);
	free(now.buf);
	mark->total = now.total;
	mark->starts = now.starts;
	mark->set = true;
	return 0;
}

/*
 * Read the state of @name into @state, then print what its console has
 * beyond @mark: in this order, all output comes before the state that
 * ended it. An instance destroyed meanwhile has the state "".
 */
int mk_console_poll(const char *what, const char *name,
		    struct mk_console_mark *mark, char *state, size_t len)
{
	int ret;

	ret = mk_inst_read(name, "state", state, len);
	if (!ret)
		ret = mk_console_print_new(what, name, mark);
	if (ret == -ENOENT) {
		*state = '\0';
		ret = 0;
	}
	return ret;
}

static int mk_log_follow(const char *what, const char *name)
{
	static const char *const live[] = { "starting", "running", NULL };
	struct mk_console_mark mark = { };
	char state[MK_STATE_MAX];
	int ret;

	ret = mk_console_poll(what, name, &mark, state, sizeof(state));
	while (!ret && mkctl_in_list(state, live)) {
		mk_sleep_ms(MK_FOLLOW_MS);
		ret = mk_console_poll(what, name, &mark, state, sizeof(state));
	}
	return ret;
}

int cmd_log(int argc, char **argv)
{
	const char *follow;
	const struct mkctl_opt opts[] = {
		{ .name = "follow", .key = 'f', .has_arg = no_argument,
		  .arg = &follow },
		{ }
	};
	struct mkctl_args a = {
		.cmd = "log", .help = log_help, .opts = { opts },
		.operand = MKCTL_INSTANCE,
	};
	struct mk_console con;
	int ret;

	ret = mkctl_parse(&a, argc, argv);
	if (ret >= 0)
		return ret;
	if (follow) {
		ret = mk_log_follow(a.what, a.name);
	} else {
		ret = mk_inst_read_all(a.name, "console", &con.buf, &con.len);
		if (!ret) {
			fwrite(con.buf, 1, con.len, stdout);
			free(con.buf);
		}
	}
	if (ret)
		mkctl_fail(a.what, a.name, -ret);
	return ret ? MKCTL_EXIT_FAILED : MKCTL_EXIT_OK;
}

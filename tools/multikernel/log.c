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

/* Print what @now holds beyond @last (NULL: everything). */
static void mk_console_print_new(const char *what, const struct mk_console *last,
				 const struct mk_console *now)
{
	uint64_t fresh = now->len;

	if (last && last->starts == now->starts && now->total >= last->total)
		fresh = now->total - last->total;
	else if (last)		/* restarted: the counter began again */
		fresh = now->total;
	if (fresh > now->len) {
		mkctl_err(what, "%llu bytes were overwritten before they could be read",
			  (unsigned long long)(fresh - now->len));
		fresh = now->len;
	}
	fwrite(now->buf + now->len - fresh, 1, fresh, stdout);
	fflush(stdout);
}

static int mk_log_follow(const char *what, const char *name)
{
	static const char *const live[] = { "starting", "running", NULL };
	struct mk_console last, now;
	char state[MK_STATE_MAX];
	bool done;
	int ret;

	ret = mk_console_read(name, &last);
	if (ret)
		return ret;
	mk_console_print_new(what, NULL, &last);
	free(last.buf);
	do {
		ret = mk_inst_read(name, "state", state, sizeof(state));
		if (ret)
			return ret == -ENOENT ? 0 : ret;	/* destroyed */
		done = !mkctl_in_list(state, live);
		if (!done)
			mk_sleep_ms(MK_FOLLOW_MS);
		ret = mk_console_read(name, &now);
		if (ret)
			return ret == -ENOENT ? 0 : ret;
		mk_console_print_new(what, &last, &now);
		free(now.buf);
		last = now;
	} while (!done);
	return 0;
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

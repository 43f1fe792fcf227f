// SPDX-License-Identifier: GPL-2.0
/*
 * mk_console_tap DIR: keep every spawn's console output while the tests
 * run, so that a kernel splat in a spawn cannot go unseen.
 *
 * An instance's console ring is reset at each start and its sysfs file
 * goes away at destroy, so the tests' own reads miss most of it. This
 * polls every instance's stats ("starts", "console_bytes") and appends
 * what is new in instances/NAME/console to DIR/NAME.log, with a line
 * "MKCONSOLE NAME start N" before the output of each start. Output a
 * spawn writes faster than the ring holds between two polls is lost and
 * noted ("MKCONSOLE NAME lost BYTES"), and so is what it writes in the
 * last poll interval before it is restarted or destroyed. Runs until
 * killed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mk_test.h"

#define TAP_MAX		16
#define TAP_POLL_NS	100000000L
#define TAP_RING	65536
/* Reads of a console that keeps changing before one is kept as it is. */
#define TAP_TRIES	3

struct tap {
	char name[64];
	long long starts;
	long long saved;	/* console bytes of this start already kept */
};

static struct tap taps[TAP_MAX];
static char ring[TAP_RING];

static struct tap *tap_find(const char *name)
{
	struct tap *free_slot = NULL;
	int i;

	for (i = 0; i < TAP_MAX; i++) {
		if (!strcmp(taps[i].name, name))
			return &taps[i];
		if (!taps[i].name[0] && !free_slot)
			free_slot = &taps[i];
	}
	if (free_slot) {
		snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
		free_slot->starts = 0;
		free_slot->saved = 0;
	}
	return free_slot;
}

/* "starts N" and "console_bytes N" from instances/NAME/stats. */
static int read_stats(const char *name, long long *starts, long long *bytes)
{
	char stats[4096], *p;

	if (mk_inst_read(name, "stats", stats, sizeof(stats)))
		return -1;
	p = strstr(stats, "starts ");
	if (!p)
		return -1;
	*starts = strtoll(p + strlen("starts "), NULL, 10);
	p = strstr(stats, "console_bytes ");
	if (!p)
		return -1;
	*bytes = strtoll(p + strlen("console_bytes "), NULL, 10);
	return 0;
}

/* The console file raw: the newest min(console_bytes, ring) bytes. */
static long long read_console(const char *name)
{
	char path[256];
	long long done = 0;
	ssize_t n;
	int fd;

	fd = open(mk_inst_path(path, sizeof(path), name, "console"), O_RDONLY);
	if (fd < 0)
		return -1;
	while (done < TAP_RING) {
		n = read(fd, ring + done, TAP_RING - done);
		if (n <= 0)
			break;
		done += n;
	}
	close(fd);
	return done;
}

/*
 * Read the console between two looks at its byte count; when they differ
 * the spawn was printing meanwhile and it is tried again. Returns the
 * bytes read and sets *end to the count they end at.
 */
static long long read_console_at(const char *name, long long *starts,
				 long long *end)
{
	long long before, after, s2, len = -1;
	int try;

	for (try = 0; try < TAP_TRIES; try++) {
		if (read_stats(name, starts, &before))
			return -1;
		len = read_console(name);
		if (len < 0 || read_stats(name, &s2, &after))
			return -1;
		*end = after;
		if (before == after && s2 == *starts)
			break;
	}
	return len;
}

static void poll_instance(const char *dir, const char *name)
{
	long long starts, end, avail, skip;
	struct tap *t = tap_find(name);
	char path[512];
	FILE *out;

	if (!t)
		return;
	avail = read_console_at(name, &starts, &end);
	if (avail < 0)
		return;
	if (starts == t->starts && end == t->saved)
		return;
	snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	out = fopen(path, "a");
	if (!out)
		return;
	/* A restart, or a new instance of the same name. */
	if (starts != t->starts || end < t->saved) {
		t->starts = starts;
		t->saved = 0;
		fprintf(out, "\nMKCONSOLE %s start %lld\n", name, starts);
	}
	/* What was read covers [end - avail, end). */
	skip = t->saved - (end - avail);
	if (skip < 0) {
		fprintf(out, "\nMKCONSOLE %s lost %lld\n", name, -skip);
		skip = 0;
	}
	if (skip < avail)
		fwrite(ring + skip, 1, avail - skip, out);
	if (end > t->saved)
		t->saved = end;
	fclose(out);
}

int main(int argc, char **argv)
{
	struct timespec pause = { 0, TAP_POLL_NS };
	struct dirent *de;
	DIR *d;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (;;) {
		d = opendir(MK_SYSFS "/instances");
		if (!d)
			return 1;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				poll_instance(argv[1], de->d_name);
		closedir(d);
		nanosleep(&pause, NULL);
	}
}

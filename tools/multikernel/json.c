// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl: a tiny streaming JSON writer. Keys are NULL inside arrays and
 * for the outermost value. Output ends with a newline.
 */
#include <errno.h>
#include <stdlib.h>

#include "cpulist.h"
#include "json.h"

#define JSON_MAX_DEPTH	16

struct json_writer {
	FILE *out;
	bool pretty;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

struct json_writer *json_new(FILE *out, bool pretty)
{
	struct json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->out = out;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

void json_destroy(struct json_writer *w)
{
	free(w);
}

static void json_quoted(struct json_writer *w, const char *s)
{
	fputc('"', w->out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(w->out, "\\%c", c);
		else if (c < 0x20)
			fprintf(w->out, "\\u%04x", c);
		else
			fputc(c, w->out);
	}
	fputc('"', w->out);
}

static void json_indent(struct json_writer *w)
{
	int i;

	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

static void json_member(struct json_writer *w, const char *key)
{
	if (w->depth) {
		if (!w->first[w->depth])
			fputc(',', w->out);
		json_indent(w);
	}
	w->first[w->depth] = false;
	if (key) {
		json_quoted(w, key);
		fputs(w->pretty ? ": " : ":", w->out);
	}
}

static void json_open(struct json_writer *w, const char *key, char c)
{
	json_member(w, key);
	fputc(c, w->out);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->first[++w->depth] = true;
}

static void json_close(struct json_writer *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (!empty)
		json_indent(w);
	fputc(c, w->out);
	if (!w->depth)
		fputc('\n', w->out);
}

void json_start_object(struct json_writer *w, const char *key)
{
	json_open(w, key, '{');
}

void json_end_object(struct json_writer *w)
{
	json_close(w, '}');
}

void json_start_array(struct json_writer *w, const char *key)
{
	json_open(w, key, '[');
}

void json_end_array(struct json_writer *w)
{
	json_close(w, ']');
}

void json_string(struct json_writer *w, const char *key, const char *val)
{
	json_member(w, key);
	json_quoted(w, val);
}

void json_u64(struct json_writer *w, const char *key, uint64_t val)
{
	json_member(w, key);
	fprintf(w->out, "%llu", (unsigned long long)val);
}

void json_bool(struct json_writer *w, const char *key, bool val)
{
	json_member(w, key);
	fputs(val ? "true" : "false", w->out);
}

/*
 * A cpulist ("1-3,5") as an array of CPU numbers. Returns -EINVAL, and
 * writes nothing, when @list does not parse.
 */
int json_cpulist(struct json_writer *w, const char *key, const char *list)
{
	bool *set = calloc(MKCTL_MAX_CPUS, sizeof(*set));
	int i;

	if (!set)
		return -ENOMEM;
	if (mk_cpulist_parse(list, set, MKCTL_MAX_CPUS)) {
		free(set);
		return -EINVAL;
	}
	json_start_array(w, key);
	for (i = 0; i < MKCTL_MAX_CPUS; i++)
		if (set[i])
			json_u64(w, NULL, i);
	json_end_array(w);
	free(set);
	return 0;
}

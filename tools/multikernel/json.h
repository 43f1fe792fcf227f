/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mkctl: a tiny streaming JSON writer shared by all commands.
 */
#ifndef MKCTL_JSON_H
#define MKCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *json_new(FILE *out, bool pretty);
void json_destroy(struct json_writer *w);
void json_start_object(struct json_writer *w, const char *key);
void json_end_object(struct json_writer *w);
void json_start_array(struct json_writer *w, const char *key);
void json_end_array(struct json_writer *w);
void json_string(struct json_writer *w, const char *key, const char *val);
void json_u64(struct json_writer *w, const char *key, uint64_t val);
void json_bool(struct json_writer *w, const char *key, bool val);
int json_cpulist(struct json_writer *w, const char *key, const char *list);

#endif /* MKCTL_JSON_H */

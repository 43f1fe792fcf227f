// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl start, stop, kill and restart: writes to instances/NAME/control,
 * and waiting for the state they lead to.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mkctl.h"

#define MK_WAIT_DEFAULT_S	60
/* The kernel kills a spawn this long after "stop" unless told otherwise. */
#define MK_STOP_KERNEL_S	10
#define MK_STOP_MAX_S		3600
/* stop waits this much longer than the kernel gives the spawn. */
#define MK_STOP_GRACE_S		5
/* Read the state at least this often, in case a change was not notified. */
#define MK_POLL_MS		250
/* How often --wait looks for init_ms once the instance is running. */
#define MK_INIT_POLL_MS		20

/* States in which an instance holds its CPUs and cannot be destroyed. */
const char *const mk_busy_states[] = {
	"starting", "running", "stopping", NULL
};

/* Control verbs that boot an instance, taking its devices back. */
static const char *const mk_boot_verbs[] = { "start", "restart", NULL };

static void start_help(void)
{
	printf("Usage: mkctl start NAME [--wait[=SECONDS]]\n"
	       "\n"
	       "Boot the kernel loaded into an instance. PCI functions given\n"
	       "back to the host while it was stopped are taken again; that\n"
	       "fails if one is in use here.\n"
	       "\n"
	       "  --wait[=SECONDS]  wait until the instance is running and\n"
	       "                    its kernel has started /init (both ready\n"
	       "                    messages came), %d s at most by default;\n"
	       "                    fail if it crashes or stops first\n",
	       MK_WAIT_DEFAULT_S);
}

static void stop_help(void)
{
	printf("Usage: mkctl stop NAME [--timeout SECONDS]\n"
	       "\n"
	       "Ask a running instance's kernel to power off, wait until the\n"
	       "instance has stopped and print why it stopped. Its CPUs and\n"
	       "memory stay with the instance. Fails if it crashes instead.\n"
	       "\n"
	       "  --timeout SECONDS  the kernel kills the instance if it has\n"
	       "                     not powered off after SECONDS, 1 to %d\n"
	       "                     (default %d)\n",
	       MK_STOP_MAX_S, MK_STOP_KERNEL_S);
}

static void kill_help(void)
{
	printf("Usage: mkctl kill NAME\n"
	       "\n"
	       "Stop an instance at once: its CPUs are reset whatever they\n"
	       "are doing. The console output stays readable (mkctl log).\n");
}

static void restart_help(void)
{
	printf("Usage: mkctl restart NAME [--wait[=SECONDS]]\n"
	       "\n"
	       "Boot the loaded kernel again, without loading it again.\n"
	       "\n"
	       "  --wait[=SECONDS]  as for mkctl start\n");
}

/*
 * Wait up to @secs seconds for instance @name to reach a state not in
 * @while_in. Returns 0 or -ETIMEDOUT, with the last state in @state, or
 * another negative errno.
 */
int mk_wait_state(const char *name, const char *const *while_in,
		  unsigned int secs, char *state, size_t len)
{
	long long deadline = mkctl_now_ms() + secs * 1000LL, left;
	struct pollfd pfd;
	int fd, ret;

	fd = mk_inst_open(name, "state");
	if (fd < 0)
		return fd;
	for (;;) {
		ret = mk_sysfs_pread(fd, state, len);
		if (ret || !mkctl_in_list(state, while_in))
			break;
		left = deadline - mkctl_now_ms();
		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		pfd = (struct pollfd){ .fd = fd, .events = POLLPRI };
		poll(&pfd, 1, left < MK_POLL_MS ? left : MK_POLL_MS);
	}
	close(fd);
	return ret;
}

static const char *mk_wait_arg;
static unsigned int mk_wait_secs = MK_WAIT_DEFAULT_S;

/* --wait[=SECONDS] of start and restart, which run takes too. */
const struct mkctl_opt mk_wait_opts[] = {
	{ .name = "wait", .has_arg = optional_argument, .arg = &mk_wait_arg,
	  .secs = &mk_wait_secs },
	{ }
};

const char *mk_timeout_arg;
unsigned int mk_timeout_secs;

/* --timeout SECONDS of stop and recv. */
const struct mkctl_opt mk_timeout_opts[] = {
	{ .name = "timeout", .has_arg = required_argument,
	  .arg = &mk_timeout_arg, .secs = &mk_timeout_secs },
	{ }
};

/*
 * Whether the stats of @name have @key: -errno, 0 (no) or 1 (yes).
 */
static int mk_has_stat(const char *name, const char *key)
{
	size_t len, klen = strlen(key);
	char *buf, *line;
	int ret;

	ret = mk_inst_read_all(name, "stats", &buf, &len);
	if (ret)
		return ret;
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			ret = 1;
			break;
		}
	}
	free(buf);
	return ret;
}

/*
 * A running instance's kernel said it booted; wait until @deadline (ms)
 * for its second ready, sent as it runs /init (init_ms in its stats).
 * Returns 0, -ETIMEDOUT with "running" in @state, or -errno; leaves the
 * state in @state when the instance stops running first.
 */
static int mk_wait_init(const char *name, long long deadline, char *state,
			size_t len)
{
	int ret;

	for (;;) {
		ret = mk_has_stat(name, "init_ms");
		if (ret)
			return ret < 0 ? ret : 0;
		ret = mk_inst_read(name, "state", state, len);
		if (ret || strcmp(state, "running"))
			return ret;
		if (mkctl_now_ms() >= deadline)
			return -ETIMEDOUT;
		usleep(MK_INIT_POLL_MS * 1000);
	}
}

/*
 * After start or restart with --wait: wait until the instance is running
 * and its kernel has started /init. Returns an exit status.
 */
int mk_wait_if_asked(const char *what, const char *name)
{
	static const char *const booting[] = { "starting", "stopping", NULL };
	long long deadline = mkctl_now_ms() + mk_wait_secs * 1000LL;
	unsigned int secs = mk_wait_secs;
	char state[MK_STATE_MAX];
	int ret;

	if (!mk_wait_arg)
		return MKCTL_EXIT_OK;
	ret = mk_wait_state(name, booting, secs, state, sizeof(state));
	if (!ret && !strcmp(state, "running"))
		ret = mk_wait_init(name, deadline, state, sizeof(state));
	if (ret == -ETIMEDOUT && !strcmp(state, "running"))
		mkctl_err(what, "running but /init not started after %u s (see 'mkctl log %s')",
			  secs, name);
	else if (ret == -ETIMEDOUT)
		mkctl_err(what, "still %s after %u s (see 'mkctl log %s')",
			  state, secs, name);
	else if (ret)
		mkctl_fail(what, name, -ret);
	else if (!strcmp(state, "running"))
		return MKCTL_EXIT_OK;
	else if (!strcmp(state, "crashed"))
		mkctl_err(what, "crashed while starting (see 'mkctl log %s')",
			  name);
	else if (!strcmp(state, "stopped"))
		mkctl_err(what, "stopped before it was ready (see 'mkctl log %s')",
			  name);
	else
		mkctl_err(what, "instance is %s instead of running", state);
	return MKCTL_EXIT_FAILED;
}

/*
 * Write @verb, with its argument if any ("stop 5"), to the control file of
 * @name. Returns an exit status.
 */
int mk_control(const char *what, const char *name, const char *verb)
{
	char state[MK_STATE_MAX] = "in another state";
	int ret, len = strcspn(verb, " ");

	ret = mk_inst_write(name, "control", verb);
	if (!ret)
		return MKCTL_EXIT_OK;
	if (ret == -EBUSY || ret == -EINVAL)
		mk_inst_read(name, "state", state, sizeof(state));
	switch (-ret) {
	case ENODATA:
		mkctl_err(what, "no kernel loaded (mkctl load %s --kernel FILE)",
			  name);
		break;
	case EBUSY:
		if (mkctl_in_list(state, mk_busy_states) ||
		    !mkctl_in_list(verb, mk_boot_verbs) ||
		    !mk_devices_host_busy(what, name))
			mkctl_err(what, "instance is already %s", state);
		break;
	case EINVAL:
		mkctl_err(what, "cannot %.*s an instance that is %s", len, verb,
			  state);
		break;
	case EOPNOTSUPP:
		mkctl_err(what, "this kernel cannot %.*s instances", len, verb);
		break;
	case ETIMEDOUT:
		mk_stat_get(name, "unconfirmed_cpu", state, sizeof(state));
		mkctl_err(what, "CPU %s did not confirm it stopped: the instance is lost and keeps its CPUs, memory and devices (run 'mkctl kill %s' again)",
			  state, name);
		break;
	case ENODEV:
		mkctl_err(what, "instance is being created or destroyed");
		break;
	default:
		mkctl_fail(what, name, -ret);
	}
	return MKCTL_EXIT_FAILED;
}

/* start and restart: the control verb is the command's name. */
static int mk_boot_cmd(int argc, char **argv, const char *cmd,
		       void (*help)(void))
{
	struct mkctl_args a = {
		.cmd = cmd, .help = help, .opts = { mk_wait_opts },
		.operand = MKCTL_INSTANCE,
	};
	int ret = mkctl_parse(&a, argc, argv);

	if (ret >= 0)
		return ret;
	ret = mk_control(a.what, a.name, cmd);
	return ret ? ret : mk_wait_if_asked(a.what, a.name);
}

int cmd_start(int argc, char **argv)
{
	return mk_boot_cmd(argc, argv, "start", start_help);
}

int cmd_restart(int argc, char **argv)
{
	return mk_boot_cmd(argc, argv, "restart", restart_help);
}

static int mk_stop_check(const struct mkctl_args *a)
{
	if (mk_timeout_arg &&
	    (!mk_timeout_secs || mk_timeout_secs > MK_STOP_MAX_S))
		return mkctl_usage_error(a->cmd, "--timeout must be 1 to %d seconds, not %u",
					 MK_STOP_MAX_S, mk_timeout_secs);
	return -1;
}

/*
 * How @name ended after stop, which gave it @secs to power off: say so.
 * Returns an exit status.
 */
static int mk_stop_ended(const char *what, const char *name,
			 const char *state, unsigned int secs)
{
	char reason[64] = "", panic[256] = "";

	mk_stat_get(name, "exit_reason", reason, sizeof(reason));
	if (!strcmp(state, "crashed")) {
		mk_stat_get(name, "panic_message", panic, sizeof(panic));
		mkctl_err(what, "crashed while stopping (%s%s%s; see 'mkctl log %s')",
			  *reason ? reason : "no reason given",
			  *panic ? ": " : "", panic, name);
		return MKCTL_EXIT_FAILED;
	}
	if (strcmp(state, "stopped")) {
		mkctl_err(what, "instance is %s instead of stopped", state);
		return MKCTL_EXIT_FAILED;
	}
	if (!strcmp(reason, "stop-timeout"))
		printf("%s stopped (%s: killed after %u s)\n", name, reason,
		       secs);
	else if (*reason)
		printf("%s stopped (%s)\n", name, reason);
	else
		printf("%s stopped\n", name);
	return MKCTL_EXIT_OK;
}

int cmd_stop(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "stop", .help = stop_help, .opts = { mk_timeout_opts },
		.operand = MKCTL_INSTANCE, .check = mk_stop_check,
	};
	char state[MK_STATE_MAX], verb[32] = "stop";
	unsigned int secs = MK_STOP_KERNEL_S, wait;
	int ret;

	ret = mkctl_parse(&a, argc, argv);
	if (ret >= 0)
		return ret;
	if (mk_timeout_arg) {
		secs = mk_timeout_secs;
		snprintf(verb, sizeof(verb), "stop %u", secs);
	}
	ret = mk_control(a.what, a.name, verb);
	if (ret)
		return ret;
	/* The kernel ends a stop in time; this only guards against a hang. */
	wait = secs + MK_STOP_GRACE_S;
	ret = mk_wait_state(a.name, mk_busy_states, wait, state, sizeof(state));
	if (ret == -ETIMEDOUT) {
		mkctl_err(a.what, "still %s after %u s (force it with 'mkctl kill %s')",
			  state, wait, a.name);
		return MKCTL_EXIT_FAILED;
	}
	if (ret) {
		mkctl_fail(a.what, a.name, -ret);
		return MKCTL_EXIT_FAILED;
	}
	return mk_stop_ended(a.what, a.name, state, secs);
}

int cmd_kill(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "kill", .help = kill_help, .operand = MKCTL_INSTANCE,
	};
	int ret = mkctl_parse(&a, argc, argv);

	return ret >= 0 ? ret : mk_control(a.what, a.name, "kill");
}

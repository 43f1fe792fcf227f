// SPDX-License-Identifier: GPL-2.0
/*
 * mkctl load, unload and run: kernels go into an instance through
 * kexec_file_load(2) with KEXEC_FILE_MULTIKERNEL and the instance's id.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kexec.h>

#include "mkctl.h"

/* How long run waits for a failed instance to die before destroying it. */
#define MK_UNDO_WAIT_S	10

/* A kernel to load, with its initrd and command line. */
struct mk_image {
	const char *kernel;
	const char *initrd;	/* NULL: none */
	const char *cmdline;	/* NULL: empty */
	int kernel_fd;
	int initrd_fd;
};

static struct mk_image mk_image = { .kernel_fd = -1, .initrd_fd = -1 };

/* The options of load, which run takes too. */
static const struct mkctl_opt mk_image_opts[] = {
	{ .name = "kernel", .has_arg = required_argument,
	  .arg = &mk_image.kernel, .required = "FILE" },
	{ .name = "initrd", .has_arg = required_argument,
	  .arg = &mk_image.initrd },
	{ .name = "cmdline", .has_arg = required_argument,
	  .arg = &mk_image.cmdline },
	{ }
};

static void load_help(void)
{
	printf("Usage: mkctl load NAME --kernel FILE [--initrd FILE] [--cmdline STR]\n"
	       "\n"
	       "Load a kernel (a bzImage) into an instance that is not\n"
	       "running.\n"
	       "\n"
	       "  --kernel FILE   the kernel image\n"
	       "  --initrd FILE   an initramfs to go with it\n"
	       "  --cmdline STR   its command line (default: empty)\n");
}

static void unload_help(void)
{
	printf("Usage: mkctl unload NAME\n"
	       "\n"
	       "Unload the kernel of an instance that is not running.\n");
}

static void run_help(void)
{
	printf("Usage: mkctl run NAME --cpus LIST --memory SIZE --kernel FILE\n"
	       "                 [--device BDF[,BDF...]]... [--initrd FILE]\n"
	       "                 [--cmdline STR] [--offline] [--wait[=SECONDS]]\n"
	       "\n"
	       "Create an instance, load a kernel into it and start it: the\n"
	       "options are those of mkctl create, load and start. When a\n"
	       "step fails, the instance is destroyed again and CPUs taken\n"
	       "offline for it come back online.\n");
}

static int mk_open_file(const char *what, const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		mkctl_err(what, "cannot open %s: %s", file, strerror(errno));
	return fd;
}

static void mk_image_close(struct mk_image *img)
{
	if (img->kernel_fd >= 0)
		close(img->kernel_fd);
	if (img->initrd_fd >= 0)
		close(img->initrd_fd);
	img->kernel_fd = -1;
	img->initrd_fd = -1;
}

/* Open the files first, so that a typo fails before anything changes. */
static int mk_image_open(const char *what, struct mk_image *img)
{
	img->initrd_fd = -1;
	img->kernel_fd = mk_open_file(what, img->kernel);
	if (img->kernel_fd >= 0 && img->initrd)
		img->initrd_fd = mk_open_file(what, img->initrd);
	if (img->kernel_fd >= 0 && (!img->initrd || img->initrd_fd >= 0))
		return 0;
	mk_image_close(img);
	return -1;
}

/* kexec_file_load(2) flags for instance @name; 0 after an error. */
static unsigned long mk_kexec_flags(const char *what, const char *name)
{
	uint64_t id;
	int ret;

	ret = mk_inst_read_u64(name, "id", &id);
	if (ret) {
		mkctl_fail(what, name, -ret);
		return 0;
	}
	if (!id || id > KEXEC_FILE_MK_ID_MASK >> KEXEC_FILE_MK_ID_SHIFT) {
		mkctl_err(what, "instance id %llu is out of range",
			  (unsigned long long)id);
		return 0;
	}
	return KEXEC_FILE_MULTIKERNEL | KEXEC_FILE_MK_ID(id);
}

static void mk_kexec_failed(const char *what, const char *name,
			    const char *kernel, int err)
{
	char state[MK_STATE_MAX] = "running";

	switch (err) {
	case ENOEXEC:
		mkctl_err(what, "%s is not a bootable kernel image", kernel);
		break;
	case EBUSY:
		mk_inst_read(name, "state", state, sizeof(state));
		if (!strcmp(state, "empty") || !strcmp(state, "loaded") ||
		    !strcmp(state, "stopped") || !strcmp(state, "crashed"))
			mkctl_err(what, "a kexec load for the host kernel is under way (try again)");
		else
			mkctl_err(what, "instance is %s (stop or kill it first)",
				  state);
		break;
	case EKEYREJECTED:
	case ENOKEY:
		mkctl_err(what, "the signature of %s was rejected (%s)", kernel,
			  strerror(err));
		break;
	case EINVAL:
		mkctl_err(what, "the kernel refused the request (see dmesg)");
		break;
	case ENOENT:
		mkctl_fail(what, name, err);
		break;
	default:
		mkctl_err(what, "kexec_file_load: %s", mkctl_strerror(err));
	}
}

/*
 * Load --kernel and --initrd into @name, opening them unless that was
 * done already, and close them. Returns an exit status.
 */
static int mk_load(const char *what, const char *name)
{
	const char *cmdline = mk_image.cmdline ? mk_image.cmdline : "";
	unsigned long flags;
	long ret = -1;

	if (mk_image.kernel_fd < 0 && mk_image_open(what, &mk_image))
		return MKCTL_EXIT_FAILED;
	flags = mk_kexec_flags(what, name);
	if (flags) {
		if (mk_image.initrd_fd < 0)
			flags |= KEXEC_FILE_NO_INITRAMFS;
		ret = syscall(SYS_kexec_file_load, mk_image.kernel_fd,
			      mk_image.initrd_fd, strlen(cmdline) + 1, cmdline,
			      flags);
		if (ret)
			mk_kexec_failed(what, name, mk_image.kernel, errno);
	}
	mk_image_close(&mk_image);
	return ret ? MKCTL_EXIT_FAILED : MKCTL_EXIT_OK;
}

int cmd_load(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "load", .help = load_help, .opts = { mk_image_opts },
		.operand = MKCTL_INSTANCE,
	};
	int ret = mkctl_parse(&a, argc, argv);

	return ret >= 0 ? ret : mk_load(a.what, a.name);
}

int cmd_unload(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "unload", .help = unload_help, .operand = MKCTL_INSTANCE,
	};
	unsigned long flags;
	int ret;

	ret = mkctl_parse(&a, argc, argv);
	if (ret >= 0)
		return ret;
	flags = mk_kexec_flags(a.what, a.name);
	if (!flags)
		return MKCTL_EXIT_FAILED;
	if (!syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
		     flags | KEXEC_FILE_UNLOAD))
		return MKCTL_EXIT_OK;
	mk_kexec_failed(a.what, a.name, "", errno);
	return MKCTL_EXIT_FAILED;
}

/* run failed after creating @name: leave nothing behind. */
static void mk_run_undo(const char *what, const char *name)
{
	char state[MK_STATE_MAX];

	if (!mk_inst_read(name, "state", state, sizeof(state)) &&
	    mkctl_in_list(state, mk_busy_states)) {
		mk_inst_write(name, "control", "kill");
		mk_wait_state(name, mk_busy_states, MK_UNDO_WAIT_S, state,
			      sizeof(state));
	}
	if (mk_destroy(what, name) == MKCTL_EXIT_OK)
		mk_cpus_online_again();
}

int cmd_run(int argc, char **argv)
{
	struct mkctl_args a = {
		.cmd = "run", .help = run_help,
		.opts = { mk_create_opts, mk_image_opts, mk_wait_opts },
		.operand = MKCTL_NEW, .check = mk_create_check,
	};
	int ret;

	ret = mkctl_parse(&a, argc, argv);
	if (ret >= 0)
		return ret;
	/* A missing file must fail before anything is created. */
	if (mk_image_open(a.what, &mk_image))
		return MKCTL_EXIT_FAILED;
	ret = mk_create(a.what, a.name);
	if (ret) {
		mk_image_close(&mk_image);
		return ret;
	}
	ret = mk_load(a.what, a.name);
	if (!ret)
		ret = mk_control(a.what, a.name, "start");
	if (!ret)
		ret = mk_wait_if_asked(a.what, a.name);
	if (ret)
		mk_run_undo(a.what, a.name);
	return ret;
}

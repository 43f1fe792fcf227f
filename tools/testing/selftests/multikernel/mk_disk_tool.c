// SPDX-License-Identifier: GPL-2.0
/*
 * mk-disk: the disk benchmark's load, the same on the host (a file) and
 * in a spawn (/dev/vda), so that both measure the same thing.
 *
 *   mk-disk seq-read PATH MIB	  read MIB MiB from the start in 1 MiB
 *				  blocks; prints MiB/s
 *   mk-disk seq-write PATH MIB	  write MIB MiB from the start in 1 MiB
 *				  blocks, then fsync; prints MiB/s
 *   mk-disk rand-read PATH COUNT SEED
 *				  COUNT reads of 4 KiB at random 4 KiB
 *				  offsets; prints reads per second
 *   mk-disk zero DEVICE MIB	  zero the first MIB MiB of a block
 *				  device with BLKZEROOUT (a WRITE_ZEROES
 *				  request where the disk offers it)
 *
 * Reads and writes bypass the page cache (O_DIRECT) where the file
 * system allows it; tmpfs does not, and is memory anyway.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#define MIB		(1024 * 1024)
#define BLOCK		MIB
#define RAND_BLOCK	4096
#define ALIGN		4096
#define NSEC_PER_SEC	1000000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Open @path, with O_DIRECT where its file system takes it. */
static int open_direct(const char *path, int flags)
{
	int fd = open(path, flags | O_DIRECT);

	if (fd < 0 && errno == EINVAL)
		fd = open(path, flags);
	return fd;
}

static uint64_t size_of(int fd)
{
	struct stat st;
	uint64_t bytes;

	if (fstat(fd, &st))
		return 0;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, &bytes) ? 0 : bytes;
	return st.st_size;
}

/* xorshift64: the same offsets for the same seed, on both kernels. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int sequential(const char *path, long mib, int write_it)
{
	uint64_t start, ns;
	char *buf;
	long i;
	int fd;

	fd = open_direct(path, write_it ? O_WRONLY : O_RDONLY);
	if (fd < 0 || posix_memalign((void **)&buf, ALIGN, BLOCK)) {
		perror(path);
		return 1;
	}
	memset(buf, 0x5a, BLOCK);
	if (!write_it && size_of(fd) < (uint64_t)mib * MIB) {
		fprintf(stderr, "mk-disk: %s is shorter than %ld MiB\n", path, mib);
		return 1;
	}
	start = now_ns();
	for (i = 0; i < mib; i++) {
		if ((write_it ? write(fd, buf, BLOCK) : read(fd, buf, BLOCK)) !=
		    BLOCK) {
			perror(path);
			return 1;
		}
	}
	if (write_it && fsync(fd)) {
		perror(path);
		return 1;
	}
	ns = now_ns() - start;
	printf("%.1f\n", (double)mib * NSEC_PER_SEC / (ns ? ns : 1));
	close(fd);
	free(buf);
	return 0;
}

static int random_reads(const char *path, long count, uint64_t seed)
{
	uint64_t blocks, start, ns;
	char *buf;
	long i;
	int fd;

	fd = open_direct(path, O_RDONLY);
	if (fd < 0 || posix_memalign((void **)&buf, ALIGN, RAND_BLOCK)) {
		perror(path);
		return 1;
	}
	blocks = size_of(fd) / RAND_BLOCK;
	if (!blocks || !seed) {
		fprintf(stderr, "mk-disk: %s: no 4 KiB block, or seed 0\n", path);
		return 1;
	}
	start = now_ns();
	for (i = 0; i < count; i++) {
		if (pread(fd, buf, RAND_BLOCK,
			  (next_rand(&seed) % blocks) * RAND_BLOCK) != RAND_BLOCK) {
			perror(path);
			return 1;
		}
	}
	ns = now_ns() - start;
	printf("%.0f\n", (double)count * NSEC_PER_SEC / (ns ? ns : 1));
	close(fd);
	free(buf);
	return 0;
}

static int zero_out(const char *path, long mib)
{
	uint64_t range[2] = { 0, (uint64_t)mib * MIB };
	int fd = open(path, O_WRONLY);

	if (fd < 0 || ioctl(fd, BLKZEROOUT, range) || fsync(fd)) {
		perror(path);
		return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "seq-read"))
		return sequential(argv[2], atol(argv[3]), 0);
	if (argc == 4 && !strcmp(argv[1], "seq-write"))
		return sequential(argv[2], atol(argv[3]), 1);
	if (argc == 5 && !strcmp(argv[1], "rand-read"))
		return random_reads(argv[2], atol(argv[3]),
				    strtoull(argv[4], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "zero"))
		return zero_out(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: mk-disk seq-read|seq-write PATH MIB\n"
		"       mk-disk rand-read PATH COUNT SEED\n"
		"       mk-disk zero DEVICE MIB\n");
	return 2;
}

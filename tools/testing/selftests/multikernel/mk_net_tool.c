// SPDX-License-Identifier: GPL-2.0
/*
 * mk_net_tool: one TCP transfer with a checksum, for the multikernel
 * network tests. Both the host's and the spawns' initramfs carry it (as
 * /bin/mk-net), so both ends of a transfer run the same program.
 *
 *   mk-net recv PORT [TIMEOUT_S]      take one connection, read to EOF
 *   mk-net send ADDR PORT BYTES SEED  connect (retrying), send, close
 *   mk-net sum BYTES SEED             what send would send, checksummed
 *
 * Each prints "BYTES SUM": the bytes moved and their FNV-1a hash. The
 * data is a pseudo-random stream from SEED, so sender and receiver agree
 * on it without storing it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define CHUNK			65536
#define CONNECT_TRIES		100
#define CONNECT_PAUSE_US	100000
#define FNV_OFFSET		0xcbf29ce484222325ULL
#define FNV_PRIME		0x100000001b3ULL
#define DEFAULT_TIMEOUT_S	120

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

/* xorshift64: the same stream for the same seed, on any machine. */
static void fill(unsigned char *buf, size_t n, uint64_t *state)
{
	size_t i;

	for (i = 0; i < n; i++) {
		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		buf[i] = *state >> 56;
	}
}

static int do_sum(uint64_t bytes, uint64_t seed)
{
	static unsigned char buf[CHUNK];
	uint64_t h = FNV_OFFSET, left = bytes, state = seed | 1;
	size_t n;

	while (left) {
		n = left < CHUNK ? left : CHUNK;
		fill(buf, n, &state);
		h = fnv(h, buf, n);
		left -= n;
	}
	printf("%llu %016llx\n", (unsigned long long)bytes, (unsigned long long)h);
	return 0;
}

static int do_recv(int port, int timeout_s)
{
	static unsigned char buf[CHUNK];
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = timeout_s };
	uint64_t h = FNV_OFFSET, bytes = 0;
	int one = 1, s, c;
	ssize_t n;

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 1) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		perror("mk-net: listen");
		return 1;
	}
	c = accept(s, NULL, NULL);
	if (c < 0 || setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		perror("mk-net: accept");
		return 1;
	}
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		h = fnv(h, buf, n);
		bytes += n;
	}
	if (n < 0) {
		perror("mk-net: read");
		return 1;
	}
	printf("%llu %016llx\n", (unsigned long long)bytes, (unsigned long long)h);
	close(c);
	close(s);
	return 0;
}

static int do_send(const char *addr, int port, uint64_t bytes, uint64_t seed)
{
	static unsigned char buf[CHUNK];
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	uint64_t h = FNV_OFFSET, left = bytes, state = seed | 1;
	size_t n, off;
	ssize_t w;
	int s = -1, i;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "mk-net: %s: not an IPv4 address\n", addr);
		return 1;
	}
	/* The receiver may not listen yet. */
	for (i = 0; i < CONNECT_TRIES; i++) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			break;
		if (!connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(s);
		s = -1;
		usleep(CONNECT_PAUSE_US);
	}
	if (s < 0) {
		perror("mk-net: connect");
		return 1;
	}
	while (left) {
		n = left < CHUNK ? left : CHUNK;
		fill(buf, n, &state);
		h = fnv(h, buf, n);
		for (off = 0; off < n; off += w) {
			w = write(s, buf + off, n - off);
			if (w < 0) {
				perror("mk-net: write");
				return 1;
			}
		}
		left -= n;
	}
	/* EOF for the receiver; then wait for it to close its end. */
	shutdown(s, SHUT_WR);
	while (read(s, buf, sizeof(buf)) > 0)
		;
	close(s);
	printf("%llu %016llx\n", (unsigned long long)bytes, (unsigned long long)h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]),
			       argc > 3 ? atoi(argv[3]) : DEFAULT_TIMEOUT_S);
	if (argc == 6 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0),
			       strtoull(argv[5], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "sum"))
		return do_sum(strtoull(argv[2], NULL, 0),
			      strtoull(argv[3], NULL, 0));
	fprintf(stderr,
		"usage: mk-net recv PORT [TIMEOUT_S] | send ADDR PORT BYTES SEED | sum BYTES SEED\n");
	return 2;
}

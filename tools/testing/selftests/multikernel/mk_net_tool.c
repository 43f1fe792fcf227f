// SPDX-License-Identifier: GPL-2.0
/*
 * mk_net_tool: one TCP or vsock transfer with a checksum, for the
 * multikernel network tests. Both the host's and the spawns' initramfs
 * carry it (as /bin/mk-net), so both ends of a transfer run the same
 * program.
 *
 *   mk-net recv PORT [TIMEOUT_S]      take one connection, read to EOF
 *   mk-net send ADDR PORT BYTES SEED  connect (retrying), send, close
 *   mk-net sum BYTES SEED             what send would send, checksummed
 *   mk-net gen BYTES SEED             what send would send, to stdout
 *
 * All but gen print "BYTES SUM": the bytes moved and their FNV-1a hash. The
 * data is a pseudo-random stream from SEED, so sender and receiver agree
 * on it without storing it. ADDR is an IPv4 address or vsock:CID, and
 * PORT vsock:PORT for recv to listen on AF_VSOCK. A transfer that fails
 * prints why (e.g. "Connection reset by peer") and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define CHUNK			65536
#define CONNECT_TRIES		100
#define CONNECT_PAUSE_US	100000
#define FNV_OFFSET		0xcbf29ce484222325ULL
#define FNV_PRIME		0x100000001b3ULL
#define DEFAULT_TIMEOUT_S	120
#define VSOCK_PREFIX		"vsock:"

/* An IPv4 or a vsock address, as socket calls take it. */
struct peer {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_vm vm;
	};
	socklen_t len;
};

/* ADDR (IPv4, or vsock:CID; NULL: any) and PORT into @p; -1 if bad. */
static int peer_parse(struct peer *p, const char *addr, const char *port)
{
	const char *vsock_port = strncmp(port, VSOCK_PREFIX, strlen(VSOCK_PREFIX)) ?
				 NULL : port + strlen(VSOCK_PREFIX);

	memset(p, 0, sizeof(*p));
	if (vsock_port || (addr && !strncmp(addr, VSOCK_PREFIX, strlen(VSOCK_PREFIX)))) {
		p->vm.svm_family = AF_VSOCK;
		p->vm.svm_port = atoi(vsock_port ?: port);
		p->vm.svm_cid = addr ? strtoul(addr + strlen(VSOCK_PREFIX), NULL, 0) :
				VMADDR_CID_ANY;
		p->len = sizeof(p->vm);
		return 0;
	}
	p->in.sin_family = AF_INET;
	p->in.sin_port = htons(atoi(port));
	p->len = sizeof(p->in);
	if (addr && inet_pton(AF_INET, addr, &p->in.sin_addr) != 1) {
		fprintf(stderr, "mk-net: %s: not an IPv4 address or vsock:CID\n", addr);
		return -1;
	}
	return 0;
}

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

/* The stream, checksummed (@gen false) or to stdout. */
static int do_sum(uint64_t bytes, uint64_t seed, bool gen)
{
	static unsigned char buf[CHUNK];
	uint64_t h = FNV_OFFSET, left = bytes, state = seed | 1;
	size_t n;

	while (left) {
		n = left < CHUNK ? left : CHUNK;
		fill(buf, n, &state);
		h = fnv(h, buf, n);
		if (gen && fwrite(buf, 1, n, stdout) != n) {
			perror("mk-net: write");
			return 1;
		}
		left -= n;
	}
	if (!gen)
		printf("%llu %016llx\n", (unsigned long long)bytes,
		       (unsigned long long)h);
	return 0;
}

static int do_recv(const char *port, int timeout_s)
{
	static unsigned char buf[CHUNK];
	struct timeval tv = { .tv_sec = timeout_s };
	uint64_t h = FNV_OFFSET, bytes = 0;
	struct peer p;
	int one = 1, s, c;
	ssize_t n;

	if (peer_parse(&p, NULL, port))
		return 1;
	s = socket(p.sa.sa_family, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, &p.sa, p.len) || listen(s, 1) ||
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

static int do_send(const char *addr, const char *port, uint64_t bytes,
		   uint64_t seed)
{
	static unsigned char buf[CHUNK];
	uint64_t h = FNV_OFFSET, left = bytes, state = seed | 1;
	struct peer p;
	size_t n, off;
	ssize_t w;
	int s = -1, i;

	if (peer_parse(&p, addr, port))
		return 1;
	/* The receiver may not listen yet. */
	for (i = 0; i < CONNECT_TRIES; i++) {
		s = socket(p.sa.sa_family, SOCK_STREAM, 0);
		if (s < 0)
			break;
		if (!connect(s, &p.sa, p.len))
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
	while ((w = read(s, buf, sizeof(buf))) > 0)
		;
	if (w < 0) {
		perror("mk-net: read");
		return 1;
	}
	close(s);
	printf("%llu %016llx\n", (unsigned long long)bytes, (unsigned long long)h);
	return 0;
}

int main(int argc, char **argv)
{
	/* A peer that went away is an error to report, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && !strcmp(argv[1], "recv"))
		return do_recv(argv[2],
			       argc > 3 ? atoi(argv[3]) : DEFAULT_TIMEOUT_S);
	if (argc == 6 && !strcmp(argv[1], "send"))
		return do_send(argv[2], argv[3], strtoull(argv[4], NULL, 0),
			       strtoull(argv[5], NULL, 0));
	if (argc == 4 && (!strcmp(argv[1], "sum") || !strcmp(argv[1], "gen")))
		return do_sum(strtoull(argv[2], NULL, 0),
			      strtoull(argv[3], NULL, 0), !strcmp(argv[1], "gen"));
	fprintf(stderr,
		"usage: mk-net recv [vsock:]PORT [TIMEOUT_S] | send ADDR|vsock:CID PORT BYTES SEED | sum|gen BYTES SEED\n");
	return 2;
}

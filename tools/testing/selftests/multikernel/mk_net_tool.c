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
 * All of these but gen print "BYTES SUM": the bytes moved and their FNV-1a
 * hash. The data is a pseudo-random stream from SEED, so sender and
 * receiver agree on it without storing it.
 *
 * For the benchmarks (make bench), where making and hashing the data
 * would cost more than moving it:
 *
 *   mk-net sink PORT [TIMEOUT_S]      take one connection, discard to EOF
 *   mk-net blast ADDR PORT BYTES      send BYTES of zeros, close, and
 *                                     print "BYTES USEC": from connect()
 *                                     to the receiver's close
 *   mk-net echo PORT [TIMEOUT_S]      take one connection, send back
 *                                     what comes, to EOF
 *   mk-net rr ADDR PORT COUNT         COUNT one-byte request/responses;
 *                                     print "COUNT MEDIAN_US P99_US"
 *
 * ADDR is an IPv4 address or vsock:CID, and PORT vsock:PORT to listen on
 * AF_VSOCK. A transfer that fails prints why (e.g. "Connection reset by
 * peer") and exits 1.
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
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define CHUNK			65536
#define CONNECT_TRIES		100
#define CONNECT_PAUSE_US	100000
#define FNV_OFFSET		0xcbf29ce484222325ULL
#define FNV_PRIME		0x100000001b3ULL
#define DEFAULT_TIMEOUT_S	120
#define VSOCK_PREFIX		"vsock:"
#define RR_MAX			100000
#define US_PER_S		1000000ULL
#define NS_PER_US		1000ULL
#define P99			0.99

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

/* Listen on PORT and take one connection, reads timing out after @timeout_s. */
static int peer_accept(const char *port, int timeout_s)
{
	struct timeval tv = { .tv_sec = timeout_s };
	struct peer p;
	int one = 1, s, c;

	if (peer_parse(&p, NULL, port))
		return -1;
	s = socket(p.sa.sa_family, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, &p.sa, p.len) || listen(s, 1) ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		perror("mk-net: listen");
		return -1;
	}
	c = accept(s, NULL, NULL);
	if (c < 0 || setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		perror("mk-net: accept");
		return -1;
	}
	close(s);
	return c;
}

/*
 * Connect to ADDR PORT, retrying while the receiver may not listen yet.
 * Reads and writes time out after DEFAULT_TIMEOUT_S, so that a peer
 * that went silent makes mk-net fail, not hang.
 */
static int peer_connect(const char *addr, const char *port)
{
	struct timeval tv = { .tv_sec = DEFAULT_TIMEOUT_S };
	struct peer p;
	int s = -1, i;

	if (peer_parse(&p, addr, port))
		return -1;
	for (i = 0; i < CONNECT_TRIES; i++) {
		s = socket(p.sa.sa_family, SOCK_STREAM, 0);
		if (s < 0 || setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
		    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
			break;
		if (!connect(s, &p.sa, p.len))
			return s;
		close(s);
		s = -1;
		usleep(CONNECT_PAUSE_US);
	}
	perror("mk-net: connect");
	return -1;
}

/* Write all of @buf; false (with the reason printed) if it failed. */
static bool write_all(int s, const unsigned char *buf, size_t n)
{
	ssize_t w;
	size_t off;

	for (off = 0; off < n; off += w) {
		w = write(s, buf + off, n - off);
		if (w < 0) {
			perror("mk-net: write");
			return false;
		}
	}
	return true;
}

/* After our last write: EOF for the receiver, then wait for its close. */
static bool finish(int s, unsigned char *buf, size_t len)
{
	ssize_t n;

	shutdown(s, SHUT_WR);
	while ((n = read(s, buf, len)) > 0)
		;
	if (n < 0) {
		perror("mk-net: read");
		return false;
	}
	close(s);
	return true;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * US_PER_S + ts.tv_nsec / NS_PER_US;
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

/* What mk-net does with what one connection brings, to EOF. */
enum take {
	TAKE_SUM,	/* recv: hash it */
	TAKE_SINK,	/* discard it */
	TAKE_ECHO,	/* send it back */
};

static int do_take(const char *port, int timeout_s, enum take how)
{
	static unsigned char buf[CHUNK];
	uint64_t h = FNV_OFFSET, bytes = 0;
	ssize_t n;
	int c;

	c = peer_accept(port, timeout_s);
	if (c < 0)
		return 1;
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		if (how == TAKE_SUM)
			h = fnv(h, buf, n);
		else if (how == TAKE_ECHO && !write_all(c, buf, n))
			return 1;
		bytes += n;
	}
	if (n < 0) {
		perror("mk-net: read");
		return 1;
	}
	close(c);
	if (how == TAKE_SUM)
		printf("%llu %016llx\n", (unsigned long long)bytes,
		       (unsigned long long)h);
	else
		printf("%llu\n", (unsigned long long)bytes);
	return 0;
}

static int do_send(const char *addr, const char *port, uint64_t bytes,
		   uint64_t seed)
{
	static unsigned char buf[CHUNK];
	uint64_t h = FNV_OFFSET, left = bytes, state = seed | 1;
	size_t n;
	int s;

	s = peer_connect(addr, port);
	if (s < 0)
		return 1;
	while (left) {
		n = left < CHUNK ? left : CHUNK;
		fill(buf, n, &state);
		h = fnv(h, buf, n);
		if (!write_all(s, buf, n))
			return 1;
		left -= n;
	}
	if (!finish(s, buf, sizeof(buf)))
		return 1;
	printf("%llu %016llx\n", (unsigned long long)bytes, (unsigned long long)h);
	return 0;
}

static int do_blast(const char *addr, const char *port, uint64_t bytes)
{
	static unsigned char buf[CHUNK];
	uint64_t left = bytes, start;
	size_t n;
	int s;

	s = peer_connect(addr, port);
	if (s < 0)
		return 1;
	start = now_us();
	while (left) {
		n = left < CHUNK ? left : CHUNK;
		if (!write_all(s, buf, n))
			return 1;
		left -= n;
	}
	if (!finish(s, buf, sizeof(buf)))
		return 1;
	printf("%llu %llu\n", (unsigned long long)bytes,
	       (unsigned long long)(now_us() - start));
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int do_rr(const char *addr, const char *port, int count)
{
	static uint64_t us[RR_MAX];
	unsigned char byte = 0;
	int s, one = 1, i;
	uint64_t start;
	ssize_t n;

	if (count < 1 || count > RR_MAX) {
		fprintf(stderr, "mk-net: rr: COUNT from 1 to %d\n", RR_MAX);
		return 2;
	}
	s = peer_connect(addr, port);
	if (s < 0)
		return 1;
	/* Not for vsock, which has no Nagle. */
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (i = 0; i < count; i++) {
		start = now_us();
		if (write(s, &byte, 1) != 1) {
			perror("mk-net: rr: write");
			return 1;
		}
		n = read(s, &byte, 1);
		if (n != 1) {
			if (n)
				perror("mk-net: rr: read");
			else
				fprintf(stderr, "mk-net: rr: the peer closed\n");
			return 1;
		}
		us[i] = now_us() - start;
	}
	if (!finish(s, &byte, 1))
		return 1;
	qsort(us, count, sizeof(us[0]), cmp_u64);
	printf("%d %llu %llu\n", count, (unsigned long long)us[count / 2],
	       (unsigned long long)us[(int)(count * P99)]);
	return 0;
}

int main(int argc, char **argv)
{
	int timeout_s = argc > 3 ? atoi(argv[3]) : DEFAULT_TIMEOUT_S;

	/* A peer that went away is an error to report, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	if (argc >= 3 && !strcmp(argv[1], "recv"))
		return do_take(argv[2], timeout_s, TAKE_SUM);
	if (argc >= 3 && !strcmp(argv[1], "sink"))
		return do_take(argv[2], timeout_s, TAKE_SINK);
	if (argc >= 3 && !strcmp(argv[1], "echo"))
		return do_take(argv[2], timeout_s, TAKE_ECHO);
	if (argc == 6 && !strcmp(argv[1], "send"))
		return do_send(argv[2], argv[3], strtoull(argv[4], NULL, 0),
			       strtoull(argv[5], NULL, 0));
	if (argc == 4 && (!strcmp(argv[1], "sum") || !strcmp(argv[1], "gen")))
		return do_sum(strtoull(argv[2], NULL, 0),
			      strtoull(argv[3], NULL, 0), !strcmp(argv[1], "gen"));
	if (argc == 5 && !strcmp(argv[1], "blast"))
		return do_blast(argv[2], argv[3], strtoull(argv[4], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "rr"))
		return do_rr(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr,
		"usage: mk-net recv|sink|echo [vsock:]PORT [TIMEOUT_S] | send ADDR|vsock:CID PORT BYTES SEED |\n"
		"       blast ADDR|vsock:CID PORT BYTES | rr ADDR|vsock:CID PORT COUNT | sum|gen BYTES SEED\n");
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * sg_flood: send many IPv4 TCP SYNs or UDP datagrams fast, from one source
 * address or from K distinct ones, for the offender-ledger selftests
 * (offenders.sh).  A raw socket with IP_HDRINCL, so the source can be any
 * address; sendmmsg in batches, so 100k packets cost a few hundred system
 * calls rather than 100k (each one is expensive under QEMU TCG).
 *
 *   sg_flood [-u] [-n COUNT] [-k SOURCES] [-b BATCH] [-s SPORT] [-p PORTS]
 *            SRC DST DPORT
 *
 *   -u          UDP datagrams (8 bytes of payload) instead of TCP SYNs
 *   -n COUNT    packets in all (default 1)
 *   -k SOURCES  packet i comes from SRC + (i % SOURCES) (default 1: all
 *               from SRC); SRC + SOURCES - 1 must not wrap past
 *               255.255.255.255
 *   -b BATCH    packets per sendmmsg (default 256, 1..1024)
 *   -s SPORT    the first packet's source port (default 32768)
 *   -p PORTS    how many source ports before they repeat (default 28000)
 *   SRC         the source address, or "-" for the one the route to DST
 *               gives this host
 *
 * Source ports count up from SPORT per packet (wrapping after PORTS), so
 * every SYN is a new connection attempt.  Prints "sent N" (packets the kernel accepted) on
 * stdout.  Exit status: 0 all COUNT sent, 1 fewer (the first error is
 * printed), 2 bad command line.  Needs CAP_NET_RAW.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH	1024
#define PKT_MAX		64

struct iph {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off;
	uint8_t ttl;
	uint8_t protocol;
	uint16_t check;
	uint32_t saddr;
	uint32_t daddr;
};

struct tcph {
	uint16_t source;
	uint16_t dest;
	uint32_t seq;
	uint32_t ack_seq;
	uint8_t doff;		/* data offset << 4 */
	uint8_t flags;
	uint16_t window;
	uint16_t check;
	uint16_t urg_ptr;
};

struct udph {
	uint16_t source;
	uint16_t dest;
	uint16_t len;
	uint16_t check;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: sg_flood [-u] [-n COUNT] [-k SOURCES] [-b BATCH] [-s SPORT] [-p PORTS] SRC|- DST DPORT\n");
	exit(2);
}

static unsigned long num(const char *s, unsigned long min, unsigned long max,
			 const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max || s[0] == '-') {
		fprintf(stderr, "sg_flood: bad %s '%s' (%lu..%lu)\n", what, s,
			min, max);
		exit(2);
	}
	return v;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* The TCP/UDP checksum: pseudo header, then the segment (check = 0). */
static uint16_t l4_csum(uint32_t saddr, uint32_t daddr, uint8_t proto,
			const void *seg, size_t len)
{
	uint8_t pseudo[12];
	uint32_t sum;

	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = proto;
	pseudo[10] = (uint8_t)(len >> 8);
	pseudo[11] = (uint8_t)len;
	sum = csum_add(0, pseudo, sizeof(pseudo));
	sum = csum_add(sum, seg, len);
	return csum_fold(sum);
}

/* Build packet number i into buf; returns its length. */
static size_t build(uint8_t *buf, unsigned long i, int udp, uint32_t saddr,
		    uint32_t daddr, uint16_t sport0, unsigned long ports,
		    uint16_t dport)
{
	struct iph ip = { 0 };
	uint16_t sport = (uint16_t)(sport0 + i % ports);
	size_t l4len;

	if (!sport)
		sport = 1;
	memset(buf, 0, PKT_MAX);
	if (udp) {
		struct udph u = { 0 };

		l4len = sizeof(u) + 8;
		u.source = htons(sport);
		u.dest = htons(dport);
		u.len = htons((uint16_t)l4len);
		memcpy(buf + sizeof(ip), &u, sizeof(u));
		memcpy(buf + sizeof(ip) + sizeof(u), "sgflood!", 8);
		u.check = l4_csum(saddr, daddr, IPPROTO_UDP,
				  buf + sizeof(ip), l4len);
		if (!u.check)
			u.check = 0xffff;
		memcpy(buf + sizeof(ip), &u, sizeof(u));
	} else {
		struct tcph t = { 0 };

		l4len = sizeof(t);
		t.source = htons(sport);
		t.dest = htons(dport);
		t.seq = htonl((uint32_t)(0x5347000 + i));
		t.doff = (sizeof(t) / 4) << 4;
		t.flags = 0x02;		/* SYN */
		t.window = htons(64240);
		memcpy(buf + sizeof(ip), &t, sizeof(t));
		t.check = l4_csum(saddr, daddr, IPPROTO_TCP,
				  buf + sizeof(ip), l4len);
		memcpy(buf + sizeof(ip), &t, sizeof(t));
	}
	ip.ver_ihl = 0x45;
	ip.tot_len = htons((uint16_t)(sizeof(ip) + l4len));
	ip.id = htons((uint16_t)(i + 1) ? (uint16_t)(i + 1) : 1);
	ip.ttl = 64;
	ip.protocol = udp ? IPPROTO_UDP : IPPROTO_TCP;
	ip.saddr = saddr;
	ip.daddr = daddr;
	/* the kernel computes the header checksum of an IP_HDRINCL packet */
	memcpy(buf, &ip, sizeof(ip));
	return sizeof(ip) + l4len;
}

/* The source address the route to daddr gives this host. */
static int route_source(uint32_t daddr, uint32_t *saddr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	socklen_t len = sizeof(sin);
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	sin.sin_addr.s_addr = daddr;
	if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    !getsockname(fd, (struct sockaddr *)&sin, &len)) {
		*saddr = sin.sin_addr.s_addr;
		ret = 0;
	}
	close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	static uint8_t bufs[MAX_BATCH][PKT_MAX];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	unsigned long count = 1, sources = 1, batch = 256, sent = 0, ports = 28000;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	uint32_t base, daddr;
	int udp = 0, opt, fd, one = 1, err = 0;
	unsigned int retries = 0;
	uint16_t dport, sport = 32768;

	while ((opt = getopt(argc, argv, "un:k:b:s:p:")) != -1) {
		switch (opt) {
		case 'u':
			udp = 1;
			break;
		case 'n':
			count = num(optarg, 1, ULONG_MAX / 2, "count");
			break;
		case 'k':
			sources = num(optarg, 1, 1UL << 24, "source count");
			break;
		case 'b':
			batch = num(optarg, 1, MAX_BATCH, "batch");
			break;
		case 's':
			sport = (uint16_t)num(optarg, 1, 65535, "source port");
			break;
		case 'p':
			ports = num(optarg, 1, 65535, "source ports");
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	if (inet_pton(AF_INET, argv[optind + 1], &daddr) != 1) {
		fprintf(stderr, "sg_flood: bad destination '%s'\n", argv[optind + 1]);
		return 2;
	}
	dport = (uint16_t)num(argv[optind + 2], 1, 65535, "port");
	if (!strcmp(argv[optind], "-")) {
		if (route_source(daddr, &base)) {
			perror("sg_flood: no route to the destination");
			return 1;
		}
	} else if (inet_pton(AF_INET, argv[optind], &base) != 1) {
		fprintf(stderr, "sg_flood: bad source '%s'\n", argv[optind]);
		return 2;
	}
	if ((unsigned long)ntohl(base) + sources - 1 > 0xffffffffUL) {
		fprintf(stderr, "sg_flood: %lu sources from %s wrap around\n",
			sources, argv[optind]);
		return 2;
	}

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("sg_flood: raw socket");
		return 1;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("sg_flood: IP_HDRINCL");
		return 1;
	}
	dst.sin_addr.s_addr = daddr;

	while (sent < count) {
		unsigned long n = count - sent, k;
		int r;

		if (n > batch)
			n = batch;
		for (k = 0; k < n; k++) {
			unsigned long i = sent + k;
			uint32_t saddr = htonl(ntohl(base) + (uint32_t)(i % sources));

			iov[k].iov_base = bufs[k];
			iov[k].iov_len = build(bufs[k], i, udp, saddr, daddr,
						sport, ports, dport);
			memset(&msgs[k], 0, sizeof(msgs[k]));
			msgs[k].msg_hdr.msg_name = &dst;
			msgs[k].msg_hdr.msg_namelen = sizeof(dst);
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msgs, (unsigned int)n, 0);
		if (r > 0) {
			sent += (unsigned long)r;
			retries = 0;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		/* a full queue: wait a little, a bounded number of times */
		if (r < 0 && (errno == ENOBUFS || errno == EAGAIN) && retries++ < 1000) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		err = r < 0 ? errno : EIO;
		break;
	}
	printf("sent %lu\n", sent);
	if (sent < count) {
		fprintf(stderr, "sg_flood: sent %lu of %lu: %s\n", sent, count,
			strerror(err));
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * lookup_bench: the blocklist lookup of kmod/block_table.c, that very
 * file compiled against shim/, timed on the host's caches and memory
 * (TCG, which bench/run.sh uses, has neither).
 *
 * For each workload it builds the tables with the module's own build
 * code, then times, as medians of several runs:
 *
 *   unlisted  lookups of random addresses that no entry covers
 *   listed    lookups of random addresses inside random entries
 *   baseline  one dependent random read (a pointer chase through a
 *             random cycle of 64-byte lines) in an array of as many
 *             bytes as the tables: the cost of one cache miss at that
 *             size, DRAM and TLB included
 *
 * Every lookup's address depends on the previous lookup's result, and on
 * x86 an lfence follows each lookup (and each read of the baseline): the
 * figures are latencies, not throughput.  Without the lfence (--no-lfence)
 * the CPU predicts the branch that ends a lookup and starts the next one
 * before the last slot has arrived, overlapping misses.  "misses" is
 * lookup ns / baseline ns.
 *
 * Before timing, the first queries of each kind are checked against a
 * reference (binary search per prefix length, longest first); --quick
 * checks every query on small tables of random prefix lengths too, and
 * times little: a correctness step for check/check.sh.  Both modes first
 * churn a host-only table with the in-place changes of blockset.c
 * (delete, add again, add new) and check every address after each round.
 *
 * usage: lookup_bench [--quick] [--runs N] [--lookups N] [--no-lfence]
 *                     [--seed N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <asm/barrier.h>
#include <linux/siphash.h>

#include "block_table.h"

#define LINE	64

static int use_lfence = 1;
static int results;		/* KTAP results printed */
static unsigned long long sink;

static void fence(void)
{
#if defined(__x86_64__) || defined(__i386__)
	if (use_lfence)
		__asm__ __volatile__("lfence" ::: "memory");
#endif
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p) {
		fprintf(stderr, "lookup_bench: out of memory (%zu x %zu)\n",
			n, size);
		exit(2);
	}
	return p;
}

/* xoshiro256**, seeded by splitmix64: reproducible prefixes and queries. */
static u64 rng[4];

static u64 rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static void rnd_seed(u64 seed)
{
	int i;

	for (i = 0; i < 4; i++) {
		u64 z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		rng[i] = z ^ (z >> 31);
	}
}

static u64 rnd(void)
{
	u64 r = rotl(rng[1] * 5, 7) * 9, t = rng[1] << 17;

	rng[2] ^= rng[0];
	rng[3] ^= rng[1];
	rng[1] ^= rng[2];
	rng[0] ^= rng[3];
	rng[2] ^= t;
	rng[3] = rotl(rng[3], 45);
	return r;
}

static u64 rnd_below(u64 n)
{
	return rnd() % n;
}

/*
 * A prefix as two host-order words, IPv4 in the top half of hi; the
 * reference works on both families alike.
 */
struct pfx {
	u64 hi, lo;
	u8 len;
	struct sg_block_entry *e;
};

static void mask128(u64 *hi, u64 *lo, unsigned int len)
{
	if (len <= 64) {
		*hi &= len ? ~0ULL << (64 - len) : 0;
		*lo = 0;
	} else {
		*lo &= len == 128 ? ~0ULL : ~0ULL << (128 - len);
	}
}

static int pfx_cmp(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

/* A workload: its entries, the reference, its table. */
struct set {
	const char *name;
	int family;
	unsigned int maxlen;
	u32 nr;
	struct pfx *p;			/* sorted per length, lengths ascending */
	u32 first[129], count[129];	/* per length: range in p */
	struct sg_block_entry *entries;
	struct sg_block_table table;
	struct sg_block_entry **packed;	/* by packed host: its entry here */
};

/*
 * @n distinct random prefixes of length @len, appended to @s->p; when
 * @cluster is not NULL, IPv4 ones (/17 to /24) inside its @nc /16s, as
 * real feeds' /17 to /24 cluster in a few thousand /16s.  At most half of
 * the space they are drawn from, to leave room for unlisted addresses.
 */
static void gen_in(struct set *s, unsigned int len, u32 n, const u32 *cluster,
		   u32 nc)
{
	u32 start = s->nr, have = 0, i, k;
	u64 room = cluster ? (u64)nc << (len - 16) :
		   len < 64 ? 1ULL << len : ~0ULL;

	if (n > room / 2)
		n = room / 2;
	s->first[len] = start;
	while (have < n) {
		for (i = start + have; i < start + n; i++) {
			struct pfx *p = &s->p[i];

			p->hi = rnd();
			p->lo = s->family == AF_INET6 ? rnd() : 0;
			if (cluster)
				p->hi = ((u64)cluster[rnd_below(nc)] << 48) |
					(p->hi & 0x0000ffff00000000ULL);
			if (s->family == AF_INET)
				p->hi &= 0xffffffff00000000ULL;
			p->len = len;
			mask128(&p->hi, &p->lo, len);
		}
		qsort(s->p + start, n, sizeof(*s->p), pfx_cmp);
		for (i = k = 1; i < n; i++)
			if (pfx_cmp(&s->p[start + i], &s->p[start + k - 1]))
				s->p[start + k++] = s->p[start + i];
		have = k;
	}
	s->count[len] = n;
	s->nr += n;
}

/* @n distinct random prefixes of length @len, anywhere. */
static void gen_len(struct set *s, unsigned int len, u32 n)
{
	gen_in(s, len, n, NULL, 0);
}

/*
 * When the table chose level 24's exact filter: a /16 is present exactly
 * when a /17 to /24 prefix lies in it, and in a present /16 a /24's bit
 * is set exactly when such a prefix covers it.  1 when it holds (or the
 * filter is the sized one).
 */
static int nets24_exact(const struct set *s)
{
	const struct sg_block_nets24 *x = s->table.nets24;
	u32 b16, b24, present = 0, distinct = 0, last = ~0U;
	unsigned int len;

	if (!x)
		return 1;
	for (len = 17; len <= 24; len++) {
		for (b16 = 0; b16 < s->count[len]; b16++) {
			u32 a = s->p[s->first[len] + b16].hi >> 32;

			if (!sg_block_filter_has(x->present, a >> 16))
				return 0;
		}
	}
	for (b16 = 0; b16 < 65536; b16++) {
		if (!sg_block_filter_has(x->present, b16))
			continue;
		present++;
		for (b24 = 0; b24 < 256; b24++) {
			u32 a = b16 << 16 | b24 << 8;
			int covered = 0;

			for (len = 17; len <= 24 && !covered; len++) {
				struct pfx key = { (u64)a << 32, 0, (u8)len, NULL };

				mask128(&key.hi, &key.lo, len);
				covered = s->count[len] &&
					  bsearch(&key, s->p + s->first[len],
						  s->count[len], sizeof(*s->p),
						  pfx_cmp);
			}
			if (covered != sg_block_nets24_has(x, a))
				return 0;
			if (covered && b16 != last) {
				distinct++;
				last = b16;
			}
		}
	}
	/* No /16 present without a prefix in it. */
	return present == distinct;
}

static int by_address(const void *a, const void *b)
{
	const struct sg_block_entry *x = *(struct sg_block_entry *const *)a;
	const struct sg_block_entry *y = *(struct sg_block_entry *const *)b;
	int r = memcmp(&x->pfx.addr, &y->pfx.addr, sizeof(x->pfx.addr));

	return r ? r : (x->pfx.len > y->pfx.len) - (x->pfx.len < y->pfx.len);
}

/* The tables of one family only: IPv4 or IPv6. */
static u32 s_size(const struct sg_block_table *t)
{
	if (t->slots4)
		return t->mask4 + 1;
	return t->slots6 ? t->mask6 + 1 : 0;
}

static int slot_used(const struct sg_block_table *t, u32 i)
{
	return t->slots4 ? t->slots4[i].entry != NULL :
			   t->slots6[i].entry != NULL;
}

/*
 * Slots a probe that finds nothing reads, on average over where the hash
 * lands: the occupied run from there and the empty slot that ends it
 * (linear probing; the table is at most half full).
 */
static double miss_scan(const struct sg_block_table *t)
{
	u32 size = s_size(t), i, run = 0, wrap;
	double sum = 0;

	if (!size)
		return 0;
	/* The run at the top continues at slot 0: start after an empty. */
	for (wrap = 0; wrap < size && slot_used(t, wrap); wrap++)
		;
	for (i = size; i-- > 0;) {
		run = slot_used(t, i) ? run + 1 : 0;
		sum += run + 1;
	}
	/* Slots at the top whose run wraps: add the run at the bottom. */
	for (i = size; i-- > 0 && slot_used(t, i);)
		sum += wrap;
	return sum / size;
}

/*
 * Entries @ptrs (sorted) into @t as blockset.c lays them out: hosts
 * packed, with one feed set, the others as objects, with room for as
 * many hosts added in place as the module leaves.  @packed[n] is set to
 * the entry of packed host n; the number of objects is left in *@nr.
 */
static int build_table(struct sg_block_table *t, int family,
		       struct sg_block_entry **ptrs, u32 *nr,
		       struct sg_block_entry **packed)
{
	u32 i, objects = 0, hosts = 0, all = *nr;
	unsigned int host_len = family == AF_INET ? 32 : 128;

	for (i = 0; i < all; i++)
		hosts += ptrs[i]->pfx.len == host_len;
	t->feedsets = xcalloc(2, sizeof(*t->feedsets));
	t->feedsets[1] = 1;
	t->nr_feedsets = t->max_feedsets = 2;
	if (family == AF_INET) {
		t->hosts4.keys = xcalloc(hosts + 1, sizeof(*t->hosts4.keys));
		t->hosts4.ids = xcalloc(hosts + 1, sizeof(*t->hosts4.ids));
	} else {
		t->hosts6.keys = xcalloc(hosts + 1, sizeof(*t->hosts6.keys));
		t->hosts6.ids = xcalloc(hosts + 1, sizeof(*t->hosts6.ids));
	}
	for (i = hosts = 0; i < all; i++) {
		struct sg_block_entry *e = ptrs[i];
		const __be32 *a = e->pfx.addr.s6_addr32;

		if (e->pfx.len != host_len) {
			ptrs[objects++] = e;
			continue;
		}
		e->feeds = 1;
		packed[hosts] = e;
		if (family == AF_INET) {
			t->hosts4.keys[hosts] = ntohl(a[0]);
			t->hosts4.ids[hosts++] = 1;
		} else {
			t->hosts6.keys[hosts].hi = (u64)ntohl(a[0]) << 32 |
						   ntohl(a[1]);
			t->hosts6.keys[hosts].lo = (u64)ntohl(a[2]) << 32 |
						   ntohl(a[3]);
			t->hosts6.ids[hosts++] = 1;
		}
	}
	if (family == AF_INET)
		t->hosts4.nr = hosts;
	else
		t->hosts6.nr = hosts;
	for (i = 0; i < objects; i++)
		ptrs[i]->feeds = 1;
	*nr = objects;
	/* blockset.c: in_place_max, 1/32 of the set and 1024 at least. */
	return sg_block_table_build(t, ptrs, objects,
				    all / 32 > 1024 ? all / 32 : 1024, ~0ULL);
}

/* The entry that lookup @ok, @m found in a table of @packed hosts. */
static struct sg_block_entry *found(int ok, const struct sg_block_match *m,
				    struct sg_block_entry *const *packed)
{
	return !ok ? NULL : m->e ? m->e : packed[m->host];
}

/* The entries of @s, as the module has them, and the tables. */
static void build(struct set *s)
{
	struct sg_block_entry **ptrs = xcalloc(s->nr, sizeof(*ptrs));
	u32 i, objects = s->nr;
	double t0;
	int err;

	s->entries = xcalloc(s->nr, sizeof(*s->entries));
	for (i = 0; i < s->nr; i++) {
		struct sg_block_entry *e = &s->entries[i];
		const struct pfx *p = &s->p[i];

		e->pfx.family = s->family;
		e->pfx.len = p->len;
		e->pfx.addr.s6_addr32[0] = htonl(p->hi >> 32);
		if (s->family == AF_INET6) {
			e->pfx.addr.s6_addr32[1] = htonl((u32)p->hi);
			e->pfx.addr.s6_addr32[2] = htonl(p->lo >> 32);
			e->pfx.addr.s6_addr32[3] = htonl((u32)p->lo);
		}
		s->p[i].e = e;
		ptrs[i] = e;
	}
	/* blockset.c hands them over sorted by prefix. */
	qsort(ptrs, s->nr, sizeof(*ptrs), by_address);
	s->packed = xcalloc(s->nr, sizeof(*s->packed));
	t0 = now_ns();
	err = build_table(&s->table, s->family, ptrs, &objects, s->packed);
	if (err) {
		fprintf(stderr, "lookup_bench: %s: build: %s\n", s->name,
			strerror(-err));
		exit(2);
	}
	printf("# %s: %u entries, %.1f MiB of slots, levels %#x, built in %.0f ms; a probe that finds nothing reads %.2f slots\n",
	       s->name, s->nr, sg_block_table_bytes(&s->table) / 1048576.0,
	       s->family == AF_INET ? s->table.levels4 : s->table.levels6,
	       (now_ns() - t0) / 1e6, miss_scan(&s->table));
	free(ptrs);
}

static void set_free(struct set *s)
{
	sg_block_table_free(&s->table);
	free(s->entries);
	free(s->packed);
	free(s->p);
}

/* Longest prefix match, by binary search in each length, longest first. */
static struct sg_block_entry *reference(const struct set *s, u64 hi, u64 lo)
{
	int len;

	for (len = s->maxlen; len >= 0; len--) {
		struct pfx key = { hi, lo, (u8)len, NULL };
		const struct pfx *f;

		if (!s->count[len])
			continue;
		mask128(&key.hi, &key.lo, len);
		f = bsearch(&key, s->p + s->first[len], s->count[len],
			    sizeof(*s->p), pfx_cmp);
		if (f)
			return f->e;
	}
	return NULL;
}

/* Queries: addresses as the lookups take them, and the expected entry. */
struct queries {
	u32 n;
	__be32 *v4;
	struct in6_addr *v6;
	struct sg_block_entry **want;
};

static void put_query(const struct set *s, struct queries *q, u32 i,
		      u64 hi, u64 lo, struct sg_block_entry *want)
{
	if (s->family == AF_INET) {
		q->v4[i] = htonl(hi >> 32);
	} else {
		q->v6[i].s6_addr32[0] = htonl(hi >> 32);
		q->v6[i].s6_addr32[1] = htonl((u32)hi);
		q->v6[i].s6_addr32[2] = htonl(lo >> 32);
		q->v6[i].s6_addr32[3] = htonl((u32)lo);
	}
	q->want[i] = want;
}

/* A random address of @s's family. */
static void rnd_addr(const struct set *s, u64 *hi, u64 *lo)
{
	*hi = rnd();
	*lo = 0;
	if (s->family == AF_INET)
		*hi &= 0xffffffff00000000ULL;
	else
		*lo = rnd();
}

/* @n queries: random addresses no entry covers, or inside random entries. */
static void gen_queries(const struct set *s, struct queries *q, u32 n,
			int listed)
{
	u32 i = 0;

	q->n = n;
	q->want = xcalloc(n, sizeof(*q->want));
	if (s->family == AF_INET)
		q->v4 = xcalloc(n, sizeof(*q->v4));
	else
		q->v6 = xcalloc(n, sizeof(*q->v6));
	while (i < n) {
		struct sg_block_entry *want;
		u64 hi, lo;

		rnd_addr(s, &hi, &lo);
		if (listed) {
			const struct pfx *p = &s->p[rnd_below(s->nr)];
			u64 net_hi = ~0ULL, net_lo = ~0ULL;

			/* Its network bits, random host bits. */
			mask128(&net_hi, &net_lo, p->len);
			hi = p->hi | (hi & ~net_hi);
			lo = p->lo | (lo & ~net_lo);
		}
		/* Listed: a more specific entry may cover it, then that one. */
		want = reference(s, hi, lo);
		if (listed && !want) {
			fprintf(stderr, "lookup_bench: %s: a listed query is not listed\n",
				s->name);
			exit(2);
		}
		if (!listed && want)
			continue;
		put_query(s, q, i++, hi, lo, want);
	}
}

static void queries_free(struct queries *q)
{
	free(q->v4);
	free(q->v6);
	free(q->want);
	memset(q, 0, sizeof(*q));
}

/* Query @i of @q in @s's table: the entry found, or NULL. */
static struct sg_block_entry *lookup(const struct set *s, u32 i,
				     const struct queries *q)
{
	struct sg_block_match m;
	int ok = s->family == AF_INET ?
		 sg_block_lookup4(&s->table, q->v4[i], &m) :
		 sg_block_lookup6(&s->table, &q->v6[i], &m);

	return found(ok, &m, s->packed);
}

/* The first @n queries against the reference; the number that differ. */
static u32 check(const struct set *s, const struct queries *q, u32 n)
{
	u32 i, bad = 0;

	for (i = 0; i < n && i < q->n; i++) {
		struct sg_block_entry *e = lookup(s, i, q);

		if (e != q->want[i] && bad++ < 5)
			fprintf(stderr, "lookup_bench: %s: query %u: got %p, want %p\n",
				s->name, i, (void *)e, (void *)q->want[i]);
	}
	return bad;
}

/*
 * ns per lookup over @n dependent lookups.  The next address is xor-ed
 * with the top bit of the previous result, always 0 (a user pointer or
 * NULL) but unknown to the compiler and the CPU: a data dependency.
 */
static double time_lookups(const struct set *s, const struct queries *q,
			   u32 n)
{
	uintptr_t dep = 0;
	double t0 = now_ns();
	u32 i, j = 0;

	if (s->family == AF_INET) {
		for (i = 0; i < n; i++) {
			struct sg_block_match m = { .feeds = 0 };
			int ok = sg_block_lookup4(&s->table,
						  q->v4[j] ^ (u32)dep, &m);

			/* feeds is 1 when found: the dependency stays 0. */
			dep = (ok ? m.feeds : 0) >> 63;
			fence();
			if (++j == q->n)
				j = 0;
		}
	} else {
		for (i = 0; i < n; i++) {
			struct in6_addr a = q->v6[j];
			struct sg_block_match m = { .feeds = 0 };
			int ok;

			a.s6_addr32[3] ^= (u32)dep;
			ok = sg_block_lookup6(&s->table, &a, &m);
			dep = (ok ? m.feeds : 0) >> 63;
			fence();
			if (++j == q->n)
				j = 0;
		}
	}
	sink += dep;
	return (now_ns() - t0) / n;
}

/* A random cycle through the lines of @bytes (Sattolo), as pointers. */
static void **chase_build(size_t bytes)
{
	size_t lines = bytes / LINE, i;
	u32 *order = xcalloc(lines, sizeof(*order));
	char *mem = xcalloc(lines, LINE);

	for (i = 0; i < lines; i++)
		order[i] = i;
	for (i = lines - 1; i > 0; i--) {
		size_t j = rnd_below(i);
		u32 t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < lines; i++)
		*(void **)(mem + (size_t)order[i] * LINE) =
			mem + (size_t)order[(i + 1) % lines] * LINE;
	free(order);
	return (void **)mem;
}

static double time_chase(void **start, u32 n)
{
	void **p = start;
	double t0 = now_ns();
	u32 i;

	for (i = 0; i < n; i++) {
		p = *p;
		fence();
	}
	sink += (uintptr_t)p;
	return (now_ns() - t0) / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct opts {
	int quick;
	int runs;
	u32 lookups;
	u32 nq;		/* distinct queries of each kind */
	u32 nq_check;	/* of which checked against the reference */
};

enum shape { V4_32, V4_MIX, V4_CLUSTER, V4_ANY, V6_128, V6_ANY };

static void make_set(struct set *s, const char *name, enum shape shape,
		     u32 n)
{
	unsigned int len;
	u32 nc, *cluster;

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->family = shape >= V6_128 ? AF_INET6 : AF_INET;
	s->maxlen = s->family == AF_INET ? 32 : 128;
	s->p = xcalloc(n + 8, sizeof(*s->p));
	switch (shape) {
	case V4_32:
		gen_len(s, 32, n);
		break;
	case V6_128:
		gen_len(s, 128, n);
		break;
	case V4_MIX:
		/* Every IPv4 level in use: an unlisted address probes 4. */
		gen_len(s, 8, 16);
		gen_len(s, 16, n / 16 < 4096 ? n / 16 : 4096);
		gen_len(s, 24, n / 4);
		gen_len(s, 32, n - s->nr);
		break;
	case V4_CLUSTER:
		/*
		 * As the real feeds (DROP and FireHOL level 1): a few /8
		 * and /16, most prefixes /17 to /24 in n / 16 random /16s
		 * (at least 64), a few /32.
		 */
		nc = n / 16 > 64 ? n / 16 : 64;
		cluster = xcalloc(nc, sizeof(*cluster));
		for (len = 0; len < nc; len++)
			cluster[len] = rnd_below(65536);
		gen_len(s, 8, 4);
		gen_len(s, 16, 32);
		for (len = 17; len <= 24; len++)
			gen_in(s, len, (n - 36 - n / 32) / 8, cluster, nc);
		gen_len(s, 32, n - s->nr);
		free(cluster);
		break;
	case V4_ANY:
	case V6_ANY:
		/*
		 * Every length: expansion into levels, overlaps.  Each length
		 * covers at most 1/64 of the space, so that at least half of
		 * it is unlisted (none of /1 to /5 for IPv4).
		 */
		for (len = 1; len <= s->maxlen; len++) {
			u64 most = len < 40 ? (1ULL << len) / 64 : ~0ULL;

			gen_len(s, len, n / s->maxlen < most ? n / s->maxlen :
				most);
		}
		break;
	}
	build(s);
}

static int run(const struct opts *o, const char *name, enum shape shape,
	       u32 n)
{
	double un[16] = { 0 }, li[16] = { 0 }, ba[16] = { 0 }, u, l, b;
	struct queries qu = {}, ql = {};
	struct set s;
	void **chase;
	u32 bad;
	int r;

	make_set(&s, name, shape, n);
	gen_queries(&s, &qu, o->nq, 0);
	gen_queries(&s, &ql, o->nq, 1);
	bad = check(&s, &qu, o->nq_check) + check(&s, &ql, o->nq_check);
	if (!nets24_exact(&s)) {
		fprintf(stderr, "lookup_bench: %s: level 24's exact filter is not exact\n",
			name);
		bad++;
	}
	printf("%s %d %s: %u entries, %u unlisted and %u listed queries against the reference%s\n",
	       bad ? "not ok" : "ok", ++results, name, s.nr,
	       o->nq_check < qu.n ? o->nq_check : qu.n,
	       o->nq_check < ql.n ? o->nq_check : ql.n,
	       s.table.nets24 ? "; level 24's filter exact" : "");

	chase = chase_build(sg_block_table_bytes(&s.table));
	/* Warm up: page faults, TLB, branch predictors. */
	time_lookups(&s, &qu, o->lookups);
	time_lookups(&s, &ql, o->lookups);
	time_chase(chase, o->lookups);
	for (r = 0; r < o->runs; r++) {
		un[r] = time_lookups(&s, &qu, o->lookups);
		li[r] = time_lookups(&s, &ql, o->lookups);
		ba[r] = time_chase(chase, o->lookups);
	}
	u = median(un, o->runs);
	l = median(li, o->runs);
	b = median(ba, o->runs);
	printf("# %-8s %8u %9.2f %12.1f %10.1f %12.1f %9.2f %9.2f\n", name, s.nr,
	       sg_block_table_bytes(&s.table) / 1048576.0, u, l, b, u / b,
	       l / b);
	fflush(stdout);
	free(chase);
	queries_free(&qu);
	queries_free(&ql);
	set_free(&s);
	return bad ? 1 : 0;
}

/*
 * The in-place changes blockset.c makes to a host-only table, at random.
 * The first half of the pool starts packed: delete (its id to 0), add
 * again (back to its feed set).  The other half starts absent: add new
 * (an object in a fresh slot, while the table is ready for one), delete
 * (tag the slot dead), add again (untag it).  After every quarter, every
 * address is looked up and must give its entry exactly when it is
 * listed, an object's slot must be found, tagged as it should be, and a
 * packed host must have no slot.
 */
enum churn_state { ABSENT, LIVE, DEAD };

static int churn_check(struct sg_block_table *t, struct sg_block_entry *e,
		       const u8 *state, u32 n, u32 nr_packed,
		       struct sg_block_entry *const *packed)
{
	u32 i, host;

	for (i = 0; i < n; i++) {
		struct sg_block_match m;
		int ok = e[i].pfx.family == AF_INET ?
			 sg_block_lookup4(t, e[i].pfx.addr.s6_addr32[0], &m) :
			 sg_block_lookup6(t, &e[i].pfx.addr, &m);
		struct sg_block_entry **slot =
			sg_block_table_host_slot(t, &e[i].pfx);
		u16 *id = sg_block_table_packed_id(t, &e[i].pfx, &host);

		if (found(ok, &m, packed) != (state[i] == LIVE ? &e[i] : NULL))
			return 0;
		if (i < nr_packed) {
			if (slot || !id || packed[host] != &e[i] ||
			    !*id != (state[i] == DEAD))
				return 0;
			continue;
		}
		if (id)
			return 0;
		if (state[i] == ABSENT ? slot != NULL :
		    !slot || sg_block_slot_tag(*slot, false) != &e[i] ||
		    sg_block_slot_dead(*slot) != (state[i] == DEAD))
			return 0;
	}
	return 1;
}

static int churn(int family, u32 n)
{
	u32 pool = 2 * n, i, k, ops = 0, inserts = 0, refused = 0, nr = n;
	struct sg_block_entry *e = xcalloc(pool, sizeof(*e));
	struct sg_block_entry **ptrs = xcalloc(n, sizeof(*ptrs));
	struct sg_block_entry **packed = xcalloc(n, sizeof(*packed));
	u8 *state = xcalloc(pool, 1);
	struct sg_block_table t = {};
	int ok = 1;

	/* Distinct addresses: a counter through a bijection (odd multiplier). */
	for (i = 0; i < pool; i++) {
		u32 a = (i + 1) * 2654435761U;

		e[i].pfx.family = family;
		e[i].pfx.len = family == AF_INET ? 32 : 128;
		e[i].pfx.addr.s6_addr32[0] = htonl(a);
		if (family == AF_INET6) {
			/* Hosts in many /64s, as the IPv6 filter sees them. */
			e[i].pfx.addr.s6_addr32[0] = htonl(0x20010db8);
			e[i].pfx.addr.s6_addr32[1] = htonl(a);
			e[i].pfx.addr.s6_addr32[3] = htonl(a ^ 0x5bd1e995);
		}
	}
	for (i = 0; i < n; i++) {
		ptrs[i] = &e[i];
		state[i] = LIVE;
	}
	qsort(ptrs, n, sizeof(*ptrs), by_address);
	if (build_table(&t, family, ptrs, &nr, packed) || nr)
		ok = 0;
	for (k = 0; ok && k < 4; k++) {
		for (ops = 0; ops < n; ops++) {
			struct sg_block_entry **slot;
			u32 host;

			i = rnd_below(pool);
			if (i < n) {
				u16 *id = sg_block_table_packed_id(&t,
								   &e[i].pfx,
								   &host);

				smp_store_release(id, state[i] == LIVE ? 0 : 1);
				state[i] = state[i] == LIVE ? DEAD : LIVE;
				continue;
			}
			slot = sg_block_table_host_slot(&t, &e[i].pfx);
			if (state[i] == LIVE) {
				smp_store_release(slot, sg_block_slot_tag(&e[i], true));
				state[i] = DEAD;
			} else if (state[i] == DEAD) {
				smp_store_release(slot, &e[i]);
				state[i] = LIVE;
			} else if (sg_block_table_host_ready(&t, family, 1)) {
				e[i].feeds = 1;
				sg_block_table_host_insert(&t, &e[i]);
				state[i] = LIVE;
				inserts++;
			} else {
				refused++;
			}
		}
		ok = churn_check(&t, e, state, pool, n, packed);
	}
	/* Refused inserts: the table stopped at 5/8 used, no later. */
	if (ok && refused &&
	    (u64)(s_size(&t) * 5 / 8) - (family == AF_INET ? t.used4 : t.used6) >= 1)
		ok = 0;
	printf("%s %d churn-%s: %u packed hosts, %u in-place changes (%u new entries, %u refused at 5/8 of %u slots), every address checked 4 times\n",
	       ok ? "ok" : "not ok", ++results, family == AF_INET ? "v4" : "v6",
	       n, 4 * n, inserts, refused, s_size(&t));
	sg_block_table_free(&t);
	free(e);
	free(ptrs);
	free(packed);
	free(state);
	return !ok;
}

/* Our SipHash against the reference vectors (key 00..0f, input 00..). */
static int selftest_hash(void)
{
	const siphash_key_t k = {{ 0x0706050403020100ULL,
				   0x0f0e0d0c0b0a0908ULL }};
	const hsiphash_key_t hk = {{ 0x0706050403020100UL,
				     0x0f0e0d0c0b0a0908UL }};
	int ok = siphash_3u64(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL,
			      0x1716151413121110ULL, &k) ==
		 0xb8ad50c6f649af94ULL &&
		 hsiphash_2u32(0x03020100U, 0x07060504U, &hk) == 0x8d299a8eU;

	printf("%s %d siphash_3u64 and hsiphash_2u32 give the reference vectors\n",
	       ok ? "ok" : "not ok", ++results);
	return !ok;
}

static void usage(void)
{
	fprintf(stderr, "usage: lookup_bench [--quick] [--runs N] [--lookups N] [--no-lfence] [--seed N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { 0, 5, 1000000, 1U << 20, 20000 };
	u64 seed = 1;
	int i, fail = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			o.quick = 1;
		else if (!strcmp(argv[i], "--no-lfence"))
			use_lfence = 0;
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			o.runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--lookups") && i + 1 < argc)
			o.lookups = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else
			usage();
	}
	if (o.runs < 1 || o.runs > 16 || !o.lookups)
		usage();
	rnd_seed(seed);
	sg_block_table_seed();

	if (o.quick) {
		o.runs = 1;
		o.lookups = 100000;
		o.nq = 20000;
	}
	printf("TAP version 13\n1..%d\n", o.quick ? 9 : 11);
	fail |= selftest_hash();
	fail |= churn(AF_INET, o.quick ? 16384 : 131072);
	fail |= churn(AF_INET6, o.quick ? 16384 : 131072);
	printf("# lfence after each lookup: %s; %d runs of %u lookups, medians\n",
	       use_lfence ? "yes" : "no", o.runs, o.lookups);
	printf("# %-8s %8s %9s %12s %10s %12s %9s %9s\n", "workload", "entries",
	       "MiB", "unlisted_ns", "listed_ns", "baseline_ns", "unl_miss",
	       "lst_miss");
	if (o.quick) {
		fail |= run(&o, "v4-any", V4_ANY, 32 * 300);
		fail |= run(&o, "v6-any", V6_ANY, 128 * 80);
		fail |= run(&o, "v4-32", V4_32, 1000);
		fail |= run(&o, "v4-mix", V4_MIX, 10000);
		fail |= run(&o, "v4-clust", V4_CLUSTER, 20000);
		fail |= run(&o, "v6-128", V6_128, 1000);
	} else {
		fail |= run(&o, "v4-32", V4_32, 1000);
		fail |= run(&o, "v4-32", V4_32, 100000);
		fail |= run(&o, "v4-32", V4_32, 1000000);
		fail |= run(&o, "v4-32", V4_32, 4000000);
		fail |= run(&o, "v4-mix", V4_MIX, 1000000);
		fail |= run(&o, "v4-clust", V4_CLUSTER, 20000);
		fail |= run(&o, "v4-clust", V4_CLUSTER, 200000);
		fail |= run(&o, "v6-128", V6_128, 1000000);
	}
	return fail;
}

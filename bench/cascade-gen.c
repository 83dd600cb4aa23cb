/*
 * cascade-gen.c - the second run of bench/cascade.sh's project: a BM25
 * run (run id 2, method bm25) whose per-query pools hold RANGE
 * candidates each, about a third of them among the dense run's kept
 * candidates of the query (the formula of bench/cascade.sh), the rest
 * other passages; no kept candidates of its own.  The cascade's
 * agreement stage reads its ranks from these pools (ns_pool_rank()).
 *
 *	bench/cascade-gen DIR QUERIES PER_QUERY PASSAGES [RANGE]
 *
 * With --audit, the first N items of the project's audit slice in audit
 * order (the order in which only a labelled prefix certifies thresholds,
 * src/cascade.h), under the project's cascade settings (seed, audit
 * share), as "query_id,passage_id" lines on stdout, for bench/cascade.sh
 * to label:
 *
 *	bench/cascade-gen --audit DIR N
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/cascade.h"
#include "db/db.h"
#include "db/mining.h"
#include "src/cascade.h"
#include "src/filter.h"
#include "src/project.h"
#include "src/util.h"

static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
cmp_au(const void *a, const void *b)
{
	const struct cascade_item *x = *(const struct cascade_item *const *)a;
	const struct cascade_item *y = *(const struct cascade_item *const *)b;

	return x->au < y->au ? -1 : x->au > y->au;
}

/* The first @want audit items of the project at @dir in audit order. */
static int
audit_prefix(const char *dir, size_t want)
{
	struct project pj;
	struct cascade c;
	struct cascade_item *items = NULL, **aud;
	struct ns_err err;
	size_t n = 0, na = 0;

	if (project_open(&pj, dir, &err) != NS_OK ||
	    cascade_from_config(&c, pj.cfg, &err) != NS_OK ||
	    cascade_db_items(pj.db, &c, 0, &items, &n, &err) != NS_OK) {
		fprintf(stderr, "cascade-gen: %s\n", err.msg);
		return 1;
	}
	aud = xmalloc((n ? n : 1) * sizeof(*aud));
	for (size_t i = 0; i < n; i++)
		if (items[i].audit)
			aud[na++] = &items[i];
	/* audit order: ascending au (cascade_certifying) */
	qsort(aud, na, sizeof(*aud), cmp_au);
	for (size_t i = 0; i < na && i < want; i++)
		printf("%lld,%lld\n", (long long)aud[i]->qid,
		       (long long)aud[i]->pid);
	fprintf(stderr, "cascade-gen: %zu items, %zu in the audit slice; "
		"the first %zu of them in audit order\n", n, na,
		na < want ? na : want);
	free(aud);
	free(items);
	cascade_fini(&c);
	project_close(&pj);
	return 0;
}

int
main(int argc, char **argv)
{
	struct filter_cand c[256];
	struct ns_err err;
	struct db *db;
	int64_t nq, k, np, run;
	int range;

	if (argc == 4 && !strcmp(argv[1], "--audit"))
		return audit_prefix(argv[2], strtoul(argv[3], NULL, 10));
	if (argc < 5) {
		fprintf(stderr, "usage: cascade-gen DIR QUERIES PER_QUERY "
			"PASSAGES [RANGE]\n       cascade-gen --audit DIR N\n");
		return 2;
	}
	nq = atoll(argv[2]);
	k = atoll(argv[3]);
	np = atoll(argv[4]);
	range = argc > 5 ? atoi(argv[5]) : 20;
	if (range < 1 || range > 256 || nq < 1 || k < 1 || np < 2) {
		fprintf(stderr, "cascade-gen: bad sizes\n");
		return 2;
	}
	if (db_open(argv[1], DB_OPEN_EXISTING, &db, &err) != NS_OK ||
	    db_mine_run_new(db, "bm25", "{\"bench\": true}", &run, &err) ||
	    db_begin(db, &err)) {
		fprintf(stderr, "cascade-gen: %s\n", err.msg);
		return 1;
	}
	for (int64_t q = 1; q <= nq; q++) {
		int64_t pos = q % np + 1;
		double ps = 12.0;

		for (int r = 1; r <= range; r++) {
			uint64_t h = mix((uint64_t)q * 1000003u + (uint64_t)r);
			struct filter_cand *x = &c[r - 1];

			x->rank = r;
			x->score = 11.0 - 0.25 * r;
			x->dup_sim = NAN;
			x->is_positive = false;
			x->same_text = false;
			x->near_dup = false;
			x->reason = FILTER_KEPT;
			/* the dense run's candidate j (bench/cascade.sh) */
			if (h % 3 == 0) {
				int64_t j = (int64_t)(h / 3 % (uint64_t)k) + 1;

				x->passage_id = (q * 7919 + j * 104729) % np + 1;
			} else {
				x->passage_id = (int64_t)(h % (uint64_t)np) + 1;
			}
		}
		if (db_mine_pool_store(db, run, q, c, (size_t)range, &pos, &ps,
				       1, &err)) {
			fprintf(stderr, "cascade-gen: %s\n", err.msg);
			db_rollback(db);
			return 1;
		}
	}
	if (db_commit(db, &err)) {
		fprintf(stderr, "cascade-gen: %s\n", err.msg);
		return 1;
	}
	db_close(db);
	printf("cascade-gen: run %lld (bm25), %lld pools of %d\n",
	       (long long)run, (long long)nq, range);
	return 0;
}

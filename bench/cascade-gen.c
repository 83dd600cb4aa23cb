/*
 * cascade-gen.c - the second run of bench/cascade.sh's project: a BM25
 * run (run id 2, method bm25) whose per-query pools hold RANGE
 * candidates each, about a third of them among the dense run's kept
 * candidates of the query (the formula of bench/cascade.sh), the rest
 * other passages; no kept candidates of its own.  The cascade's
 * agreement stage reads its ranks from these pools (ns_pool_rank()).
 *
 *	bench/cascade-gen DIR QUERIES PER_QUERY PASSAGES [RANGE]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"
#include "db/mining.h"
#include "src/filter.h"

static uint64_t
mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int
main(int argc, char **argv)
{
	struct filter_cand c[256];
	struct ns_err err;
	struct db *db;
	int64_t nq, k, np, run;
	int range;

	if (argc < 5) {
		fprintf(stderr, "usage: cascade-gen DIR QUERIES PER_QUERY "
			"PASSAGES [RANGE]\n");
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

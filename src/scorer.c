/*
 * scorer.c - placeholder until the external scorers land (branch
 * `scorer`): every external stage is refused with a clear message.
 * This file is replaced by the real implementation before release.
 */
#include <stdlib.h>

#include "src/scorer.h"

void
scorer_res_fini(struct scorer_res *res, size_t n)
{
	for (size_t i = 0; res && i < n; i++)
		free(res[i].raw);
}

enum ns_rc
scorer_new(const struct config *cfg, int i, struct db *db_cache,
	   struct scorer **out, struct ns_err *err)
{
	(void)cfg;
	(void)db_cache;
	(void)out;
	return err_set(err, NS_ECONFIG, "cascade.stages[%d]: command and "
		       "judge stages are not built into this version", i);
}

void
scorer_free(struct scorer *s)
{
	(void)s;
}

enum ns_rc
scorer_run(struct scorer *s, const struct scorer_req *req, size_t n,
	   struct scorer_res *res, struct progress *pr, struct ns_err *err)
{
	(void)s, (void)req, (void)n, (void)res, (void)pr;
	return err_set(err, NS_EINTERNAL, "no external scorer");
}

const struct scorer_stats *
scorer_stats(const struct scorer *s)
{
	static const struct scorer_stats none;

	(void)s;
	return &none;
}

uint64_t
scorer_input_hash(const struct scorer *s, const struct scorer_req *req)
{
	(void)s, (void)req;
	return 0;
}

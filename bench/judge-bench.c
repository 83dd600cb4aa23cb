/*
 * judge-bench.c - the judge stage's call rate against an endpoint, for
 * bench/judge.sh: N candidates (prompts of ~2.5 KB, all different, no
 * cache) scored with C requests in flight, B candidates per scorer_run()
 * call (default all N in one).
 *
 *   judge-bench URL N C [B]
 *
 * Prints one line: calls, failures, wall seconds, calls/s, and the CPU
 * seconds negsieve itself spent (user + system).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "src/config.h"
#include "src/scorer.h"
#include "src/util.h"

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct scorer *s = NULL;
	struct scorer_req *req;
	struct scorer_res *res;
	struct ns_err err;
	const char *pos[1];
	char **texts, *yaml, pos_text[700], buf[1200];
	size_t n, batch;
	double t0, c0, wall, cpu;
	const struct scorer_stats *st;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: judge-bench URL N CONCURRENCY "
			"[BATCH]\n");
		return 2;
	}
	n = (size_t)atol(argv[2]);
	batch = argc == 5 ? (size_t)atol(argv[4]) : n;
	if (batch == 0)
		batch = n;
	yaml = xasprintf("cascade:\n  stages:\n    - scorer: judge\n"
			 "      endpoint: %s\n      model: bench\n"
			 "      concurrency: %s\n      retries: 0\n"
			 "      timeout: 30\n", argv[1], argv[3]);
	err_clear(&err);
	if (config_parse(yaml, strlen(yaml), "bench.yaml", &cfg, &err) !=
	    NS_OK || scorer_new(cfg, 0, NULL, &s, &err) != NS_OK) {
		fprintf(stderr, "judge-bench: %s\n",
			err_format(&err, buf, sizeof(buf)));
		return 1;
	}
	memset(pos_text, 'p', sizeof(pos_text) - 1);
	pos_text[sizeof(pos_text) - 1] = '\0';
	pos[0] = pos_text;
	req = xcalloc(n, sizeof(*req));
	res = xcalloc(n, sizeof(*res));
	texts = xcalloc(n, sizeof(*texts));
	for (size_t i = 0; i < n; i++) {
		texts[i] = xasprintf("candidate %zu %0600zu", i, i);
		req[i].query_xid = "q";
		req[i].passage_xid = texts[i] + 10;
		req[i].query = "what does a typical benchmark query look like "
			       "when it is this long?";
		req[i].pos = pos;
		req[i].npos = 1;
		req[i].title = "";
		req[i].text = texts[i];
		req[i].retriever_score = NAN;
	}
	t0 = now_seconds();
	c0 = cpu_seconds();
	for (size_t i = 0; i < n; i += batch) {
		size_t m = n - i < batch ? n - i : batch;

		if (scorer_run(s, req + i, m, res + i, NULL, &err) != NS_OK) {
			fprintf(stderr, "judge-bench: %s\n",
				err_format(&err, buf, sizeof(buf)));
			return 1;
		}
	}
	wall = now_seconds() - t0;
	cpu = cpu_seconds() - c0;
	st = scorer_stats(s);
	for (size_t i = 0; i < n && st->failed; i++)
		if (!res[i].ok) {
			fprintf(stderr, "judge-bench: %s\n", res[i].msg);
			break;
		}
	printf("calls %lld failed %lld seconds %.3f rate %.1f cpu %.3f\n",
	       (long long)st->requests, (long long)st->failed, wall,
	       (double)n / wall, cpu);
	scorer_res_fini(res, n);
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(req);
	free(res);
	free(yaml);
	scorer_free(s);
	config_free(cfg);
	return 0;
}

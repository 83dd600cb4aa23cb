/*
 * scorer.h - the external scorers of cascade stages: a command that reads
 * JSONL requests and writes JSONL scores, and an OpenAI-compatible chat
 * endpoint used as an LLM judge (RLHN-style).  Both turn a batch of
 * requests (a candidate with its query and the query's positives) into
 * one score each, higher meaning "more likely a false negative" (the
 * cascade's convention: below a stage's lo is kept as a true negative,
 * above its hi flagged as a false negative).
 *
 * A scorer never fails the batch for one bad item: a crash, a timeout or
 * a malformed answer for an item is recorded in that item's result
 * (ok = false, with a message naming the candidate) and nothing is scored
 * for it; the whole call fails only when the scorer cannot run at all
 * (the command cannot be started, the URL is not http(s)) or went down
 * (see scorer_run()).
 */
#ifndef NS_SCORER_H
#define NS_SCORER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/config.h"
#include "src/err.h"

struct progress;

/* One candidate to score (all strings borrowed, valid UTF-8). */
struct scorer_req {
	int64_t query_id, passage_id;	/* internal ids */
	const char *query_xid;		/* external ids */
	const char *passage_xid;
	const char *query;		/* query text */
	const char *const *pos;		/* texts of the query's positives */
	const char *const *pos_xid;	/* and their external ids */
	size_t npos;
	const char *title;		/* candidate title ("" if none) */
	const char *text;		/* candidate text */
	double retriever_score;		/* NAN when unknown */
};

/* The answer for one request. */
struct scorer_res {
	bool ok;		/* false: nothing scored (see msg) */
	double score;		/* when ok */
	char *raw;		/* the raw answer kept with the score (judge:
				 * the model's text; command: its JSON line);
				 * also set when !ok but there was an answer
				 * (a judge's answer without a verdict, a
				 * command's refusal); owned, may be NULL */
	char msg[256];		/* when !ok: why, naming the candidate */
};

/* Free what @res (@n results) own; the array itself is the caller's. */
void scorer_res_fini(struct scorer_res *res, size_t n);

/*
 * Counters of one scorer run, printed by `negsieve cascade`.
 */
struct scorer_stats {
	int64_t requests;	/* items sent (command) or HTTP requests made
				 * (judge, retries included) */
	int64_t cached;		/* judge: answers taken from the cache */
	int64_t failed;		/* items without a score */
	int64_t starts;		/* command: times the program was started */
	int64_t prompt_tokens;	/* judge: as reported by the endpoint */
	int64_t completion_tokens;
	double cost;		/* judge: tokens x the configured prices */
	double seconds;		/* wall time */
};

/* The settings of an external stage, read from stage @i of the config
 * (keys cascade.stages[].*, see config_keys[] and negsieve.yaml(5)). */
struct scorer;

/*
 * A scorer for stage @i of @cfg ("cascade.stages.I"), whose scorer key is
 * "command" or "judge".  @db_cache may be NULL (no judge cache) or the
 * project's database for the judge's answer cache.  On success *@out owns
 * it (scorer_free()); a bad setting is NS_ECONFIG naming the key.
 */
struct db;
enum ns_rc scorer_new(const struct config *cfg, int i, struct db *db_cache,
		      struct scorer **out, struct ns_err *err);
void scorer_free(struct scorer *s);

/*
 * Score @n requests into @res (n entries, filled in request order; the
 * caller frees what they own with scorer_res_fini()).  Items that fail
 * are recorded in their result and counted; the call itself fails only
 * when the scorer cannot run or went down (NS_EIO: the command cannot be
 * started, see below; NS_ENOMEM: libcurl cannot start).  @pr may be NULL; otherwise its count
 * advances by one per item resolved.
 *
 * Command: the program is started at the first call and kept for the
 * next ones (started again after a crash or a timeout, or if it exited
 * between calls); it sees end-of-file at scorer_free().  A program that
 * fails `restarts` + 1 times in a row is NS_EIO, with the rest of the
 * call's items failed: it cannot run (it never answered) or it went down
 * (it answered before).
 * Judge: answers come from the project's cache when @db_cache was given
 * to scorer_new(); the others are asked with `concurrency` requests in
 * flight, so a call should hold several times that many items (a call's
 * items are all answered before it returns: small calls leave the
 * endpoint idle; an item waiting to retry keeps its place among them).
 * When 8 requests in a row, across items and calls, get no answer at all
 * (connection refused, DNS, timeouts), one of them after a back-off, the
 * endpoint is down: nothing more is sent, and once the requests in flight
 * are over NS_EIO, the items not yet answered left without a result (no
 * msg), those answered kept.  Not
 * thread-safe: one call at a time per scorer.
 */
enum ns_rc scorer_run(struct scorer *s, const struct scorer_req *req,
		      size_t n, struct scorer_res *res, struct progress *pr,
		      struct ns_err *err);

/* Counters since scorer_new(). */
const struct scorer_stats *scorer_stats(const struct scorer *s);

/*
 * The counters beside the items scored and failed (which the caller
 * counts: a stage down is not asked for every item) as one line for a
 * summary, into @buf of @size bytes, e.g. "120 requests, 30 from the
 * cache, 45000 prompt + 1200 completion tokens, cost 0.0123, 12.3 s" (the
 * judge) or "the command started 4 times (3 restarts), 2.1 s" (a
 * command; "started once" without a restart); returns @buf.
 */
char *scorer_stats_format(const struct scorer *s, char *buf, size_t size);

/* The stage's name (cascade.stages[].name, default its scorer); owned by
 * @s. */
const char *scorer_name(const struct scorer *s);

/*
 * What the command wrote on stderr (its last 64 KiB, over all runs) and
 * notes on what went wrong outside any one item (an exit status after the
 * last answer, extra output, a judge cache that could not be written);
 * "" when nothing.  Owned by @s, valid until the next scorer_run().
 */
const char *scorer_log(const struct scorer *s);

/*
 * A hash of everything that determines stage @s's answer for @req (the
 * command line or model + prompt, and the texts): stored with a score, a
 * changed input is scored again.
 */
uint64_t scorer_input_hash(const struct scorer *s,
			   const struct scorer_req *req);

/*
 * A hash of the settings of stage @i of @cfg that decide its answers
 * (a command: its argument list; a judge: model, temperature,
 * max_tokens, max_chars and the prompt template), into *@key: with the
 * items' texts it makes the key a stored score is compared with (see
 * cascade_db_items()).  It checks nothing (scorer_new() does): false,
 * and no key, only when there is none to make (a prompt_file that cannot
 * be read, a scorer that is not external).
 */
bool scorer_stage_key(const struct config *cfg, int i, uint64_t *key);

#endif

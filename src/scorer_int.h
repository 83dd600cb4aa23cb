/*
 * scorer_int.h - what scorer.c shares with the two kinds of external
 * scorer (scorer_cmd.c, scorer_judge.c); not for other modules.
 */
#ifndef NS_SCORER_INT_H
#define NS_SCORER_INT_H

#include "src/scorer.h"
#include "src/util.h"

#define SCORER_LOG_MAX (64 * 1024)	/* bytes of stderr/notes kept */

enum scorer_kind {
	SCORER_COMMAND,
	SCORER_JUDGE,
};

struct scorer_cmd;
struct scorer_judge;

struct scorer {
	enum scorer_kind kind;
	char *key;		/* "cascade.stages.I", for messages */
	char *name;		/* the stage's name */
	struct scorer_stats st;	/* counters since scorer_new() */
	struct strbuf log;	/* the command's stderr, notes (the last
				 * SCORER_LOG_MAX bytes) */
	struct scorer_cmd *cmd;		/* kind == SCORER_COMMAND */
	struct scorer_judge *judge;	/* kind == SCORER_JUDGE */
};

/* Append @len bytes to @s's log, keeping its last SCORER_LOG_MAX bytes. */
void scorer_log_add(struct scorer *s, const char *data, size_t len);
/* Append a formatted note line ("negsieve: ...\n") to the log. */
void scorer_log_note(struct scorer *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Record that @req could not be scored: res->ok = false and a message
 * "passage P of query Q: ..." (cut to fit). */
void scorer_res_fail(struct scorer_res *res, const struct scorer_req *req,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The kinds: same contracts as the scorer_* functions they serve, with
 * the stage's config key prefix @key ("cascade.stages.I"). */
enum ns_rc scorer_cmd_new(const struct config *cfg, const char *key,
			  struct scorer_cmd **out, struct ns_err *err);
void scorer_cmd_free(struct scorer_cmd *c);
enum ns_rc scorer_cmd_run(struct scorer *s, const struct scorer_req *req,
			  size_t n, struct scorer_res *res,
			  struct progress *pr, struct ns_err *err);
uint64_t scorer_cmd_hash(const struct scorer_cmd *c,
			 const struct scorer_req *req);
bool scorer_cmd_key(const struct config *cfg, const char *key,
		    uint64_t *out);

enum ns_rc scorer_judge_new(const struct config *cfg, const char *key,
			    struct db *db, struct scorer_judge **out,
			    struct ns_err *err);
void scorer_judge_free(struct scorer_judge *j);
enum ns_rc scorer_judge_run(struct scorer *s, const struct scorer_req *req,
			    size_t n, struct scorer_res *res,
			    struct progress *pr, struct ns_err *err);
uint64_t scorer_judge_hash(const struct scorer_judge *j,
			   const struct scorer_req *req);
bool scorer_judge_key(const struct config *cfg, const char *key,
		      uint64_t *out);

#endif

/*
 * scorer.c - the external scorers' common part: settings, dispatch to the
 * command (scorer_cmd.c) or the judge (scorer_judge.c), counters and the
 * log (see scorer.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/progress.h"
#include "src/scorer.h"
#include "src/scorer_int.h"

void
scorer_res_fini(struct scorer_res *res, size_t n)
{
	for (size_t i = 0; res && i < n; i++) {
		free(res[i].raw);
		res[i].raw = NULL;
	}
}

void
scorer_log_add(struct scorer *s, const char *data, size_t len)
{
	if (len >= SCORER_LOG_MAX) {
		data += len - SCORER_LOG_MAX / 2;
		len = SCORER_LOG_MAX / 2;
	}
	if (s->log.len + len > SCORER_LOG_MAX) {
		/* drop the oldest half, at a line start when there is one */
		size_t cut = s->log.len - SCORER_LOG_MAX / 2;
		const char *nl = memchr(s->log.buf + cut, '\n',
					s->log.len - cut);

		if (nl)
			cut = (size_t)(nl + 1 - s->log.buf);
		memmove(s->log.buf, s->log.buf + cut, s->log.len - cut);
		s->log.len -= cut;
		s->log.buf[s->log.len] = '\0';
	}
	strbuf_add(&s->log, data, len);
}

void
scorer_log_note(struct scorer *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int k;

	k = snprintf(buf, sizeof(buf), "negsieve: ");
	va_start(ap, fmt);
	vsnprintf(buf + k, sizeof(buf) - (size_t)k - 1, fmt, ap);
	va_end(ap);
	if (s->log.len && s->log.buf[s->log.len - 1] != '\n')
		scorer_log_add(s, "\n", 1);
	scorer_log_add(s, buf, strlen(buf));
	scorer_log_add(s, "\n", 1);
}

void
scorer_res_fail(struct scorer_res *res, const struct scorer_req *req,
		const char *fmt, ...)
{
	va_list ap;
	int k;

	res->ok = false;
	k = snprintf(res->msg, sizeof(res->msg), "passage %s of query %s: ",
		     req->passage_xid, req->query_xid);
	if (k < 0 || (size_t)k >= sizeof(res->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(res->msg + k, sizeof(res->msg) - (size_t)k, fmt, ap);
	va_end(ap);
}

enum ns_rc
scorer_new(const struct config *cfg, int i, struct db *db_cache,
	   struct scorer **out, struct ns_err *err)
{
	struct scorer *s;
	char key[64], name_key[96];
	const char *kind, *name;
	enum ns_rc rc;

	snprintf(key, sizeof(key), "cascade.stages.%d", i);
	snprintf(name_key, sizeof(name_key), "%s.scorer", key);
	kind = config_str(cfg, name_key, NULL);
	/* errors are placed in the file (config_error()): at the value,
	 * or at the stage for a key it lacks */
	if (!kind)
		return config_error(cfg, key, false, err, "%s: not set "
				    "(command or judge)", name_key);
	s = xcalloc(1, sizeof(*s));
	strbuf_init(&s->log);
	strbuf_addstr(&s->log, "");
	s->key = xstrdup(key);
	snprintf(name_key, sizeof(name_key), "%s.name", key);
	name = config_str(cfg, name_key, NULL);
	s->name = xstrdup(name && *name ? name : kind);	/* as the cascade */
	if (strcmp(kind, "command") == 0) {
		s->kind = SCORER_COMMAND;
		rc = scorer_cmd_new(cfg, key, &s->cmd, err);
	} else if (strcmp(kind, "judge") == 0) {
		s->kind = SCORER_JUDGE;
		rc = scorer_judge_new(cfg, key, db_cache, &s->judge, err);
	} else {
		snprintf(name_key, sizeof(name_key), "%s.scorer", key);
		rc = config_error(cfg, name_key, false, err, "%s: '%s' is "
				  "not an external scorer (command or judge)",
				  name_key, kind);
	}
	if (rc != NS_OK) {
		scorer_free(s);
		return rc;
	}
	*out = s;
	return NS_OK;
}

void
scorer_free(struct scorer *s)
{
	if (!s)
		return;
	scorer_cmd_free(s->cmd);
	scorer_judge_free(s->judge);
	strbuf_fini(&s->log);
	free(s->key);
	free(s->name);
	free(s);
}

enum ns_rc
scorer_run(struct scorer *s, const struct scorer_req *req, size_t n,
	   struct scorer_res *res, struct progress *pr, struct ns_err *err)
{
	double t0 = now_seconds();
	enum ns_rc rc;

	for (size_t i = 0; i < n; i++) {
		res[i].ok = false;
		res[i].score = 0;
		res[i].raw = NULL;
		res[i].msg[0] = '\0';
	}
	if (s->kind == SCORER_COMMAND)
		rc = scorer_cmd_run(s, req, n, res, pr, err);
	else
		rc = scorer_judge_run(s, req, n, res, pr, err);
	for (size_t i = 0; i < n; i++) {
		if (res[i].ok)
			continue;
		if (!res[i].msg[0] && rc == NS_OK)	/* a scorer says why */
			scorer_res_fail(&res[i], &req[i], "not scored");
		if (res[i].msg[0])
			s->st.failed++;
	}
	s->st.seconds += now_seconds() - t0;
	return rc;
}

const struct scorer_stats *
scorer_stats(const struct scorer *s)
{
	return &s->st;
}

char *
scorer_stats_format(const struct scorer *s, char *buf, size_t size)
{
	const struct scorer_stats *st = &s->st;

	if (s->kind == SCORER_JUDGE)
		snprintf(buf, size, "%lld requests, %lld from the cache, "
			 "%lld prompt + %lld completion tokens, cost %.4f, "
			 "%.1f s", (long long)st->requests,
			 (long long)st->cached, (long long)st->prompt_tokens,
			 (long long)st->completion_tokens, st->cost,
			 st->seconds);
	/* starts, not requests: the requests written ahead are written
	 * again to each restarted command, so they say nothing plain */
	else if (st->starts == 0)
		snprintf(buf, size, "the command did not start, %.1f s",
			 st->seconds);
	else if (st->starts == 1)
		snprintf(buf, size, "the command started once, %.1f s",
			 st->seconds);
	else
		snprintf(buf, size, "the command started %lld times (%lld "
			 "restart%s), %.1f s", (long long)st->starts,
			 (long long)st->starts - 1, st->starts > 2 ? "s" : "",
			 st->seconds);
	return buf;
}

const char *
scorer_name(const struct scorer *s)
{
	return s->name;
}

const char *
scorer_log(const struct scorer *s)
{
	return s->log.buf;
}

uint64_t
scorer_input_hash(const struct scorer *s, const struct scorer_req *req)
{
	if (s->kind == SCORER_COMMAND)
		return scorer_cmd_hash(s->cmd, req);
	return scorer_judge_hash(s->judge, req);
}

bool
scorer_stage_key(const struct config *cfg, int i, uint64_t *key)
{
	char k[64], kind_key[96];
	const char *kind;

	snprintf(k, sizeof(k), "cascade.stages.%d", i);
	snprintf(kind_key, sizeof(kind_key), "%s.scorer", k);
	kind = config_str(cfg, kind_key, "");
	if (strcmp(kind, "command") == 0)
		return scorer_cmd_key(cfg, k, key);
	if (strcmp(kind, "judge") == 0)
		return scorer_judge_key(cfg, k, key);
	return false;
}

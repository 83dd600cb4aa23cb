/*
 * scorer_judge.c - the LLM judge: an OpenAI-compatible chat completions
 * endpoint asked, for each candidate, the prompt of src/judge.c; libcurl's
 * multi interface keeps `concurrency` requests in flight.  Timeouts,
 * connection errors, HTTP 408, 429 and 5xx are retried with exponential
 * back-off (Retry-After honoured when longer; a 429's Retry-After also
 * holds back every new request until then), the item keeping its slot
 * meanwhile; other HTTP errors and malformed responses fail the item at
 * once.  Answers holding a verdict
 * are cached in the project (db/judgecache.h) by a hash of the model,
 * the sampling settings and the prompt with its texts.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "db/judgecache.h"
#include "src/http.h"
#include "src/judge.h"
#include "src/progress.h"
#include "src/scorer_int.h"

struct scorer_judge {
	char *url;		/* full chat completions URL */
	char *model;
	char *auth;		/* "Authorization: Bearer ..." or NULL */
	struct judge_prompt *prompt;
	double timeout, backoff, temperature;
	double price_prompt, price_completion;	/* per 1000 tokens */
	long max_tokens, max_chars;
	int retries, concurrency;
	struct db *db;		/* answer cache; NULL: none */
	bool cache_failed;	/* a cache write failed (noted once) */
	/* requests in a row, across candidates and calls, that got no
	 * answer at all (connection refused or cut, DNS, timeouts), and
	 * whether one of them came after a back-off; see judge_down() */
	int down_run;
	bool down_waited;
	bool down_said;		/* a call returned NS_EIO for that run */
	char down_why[512];	/* the last of those errors */
};

/*
 * Requests that get no answer in a row, whichever candidates they were
 * for, before the endpoint is taken as down: nothing more is started,
 * the requests in flight are let finish (an answer among them means it
 * is up after all), and the call is NS_EIO with the other items not
 * asked.  Attempts count, not candidates that used up their retries: a
 * candidate's retries take 1 + 2 + 4 + ... back-offs, and waiting for
 * eight of them would cost minutes per call.  The run must also hold a
 * request made after a back-off (or a candidate's last one), so that the
 * first burst of `concurrency` refusals alone is not an outage: the
 * retries ride out a short one.  An HTTP error, even a 5xx, is an
 * answer: the endpoint is up.
 */
#define JUDGE_DOWN_AFTER 8

static bool
judge_down(const struct scorer_judge *j)
{
	return j->down_run >= JUDGE_DOWN_AFTER && j->down_waited;
}

/* One request in flight. */
struct judge_xfer {
	CURL *h;
	bool busy;
	size_t item;
	char *payload;
	struct strbuf body;
	double retry_after;	/* from the response; < 0: none */
	char errbuf[CURL_ERROR_SIZE];
};

/* --- settings ------------------------------------------------------------ */

static enum ns_rc
judge_load_prompt(const struct config *cfg, const char *path,
		  const char *key, char **out, struct ns_err *err)
{
	struct strbuf sb;
	char buf[65536];
	size_t k;
	FILE *fp = fopen(path, "rb");
	const char *why;
	long bad;

	/* a file that cannot be read: at prompt_file's value; a bad byte
	 * in it: at its place in the prompt file */
	if (!fp)
		return config_error(cfg, key, false, err, "%s: cannot read "
				    "'%s': %s", key, path, strerror(errno));
	strbuf_init(&sb);
	strbuf_addstr(&sb, "");
	while ((k = fread(buf, 1, sizeof(buf), fp)) > 0)
		strbuf_add(&sb, buf, k);
	if (ferror(fp)) {
		fclose(fp);
		strbuf_fini(&sb);
		return config_error(cfg, key, false, err, "%s: cannot read "
				    "'%s': %s", key, path, strerror(errno));
	}
	fclose(fp);
	bad = utf8_check(sb.buf, sb.len, &why);
	if (bad >= 0) {
		long line = 1;
		size_t bol = 0;

		for (long i = 0; i < bad; i++)
			if (sb.buf[i] == '\n')
				line++, bol = (size_t)i + 1;
		err_setpos(err, NS_ECONFIG, path, line,
			   utf8_column(sb.buf + bol, (size_t)bad - bol),
			   "%s", why);
		strbuf_fini(&sb);
		return NS_ECONFIG;
	}
	*out = strbuf_detach(&sb, NULL);
	return NS_OK;
}

/* Number @name of stage @key (its range is checked with the config,
 * see config_keys[]). */
static double
judge_num(const struct config *cfg, const char *key, const char *name)
{
	char k[128];

	snprintf(k, sizeof(k), "%s.%s", key, name);
	return config_float(cfg, k, 0);
}

enum ns_rc
scorer_judge_new(const struct config *cfg, const char *key, struct db *db,
		 struct scorer_judge **out, struct ns_err *err)
{
	struct scorer_judge *j = xcalloc(1, sizeof(*j));
	const char *url, *model, *inline_prompt, *file, *env;
	char k[128], k2[128], *text = NULL;
	enum ns_rc rc;

	/* errors are placed in the file (config_error()): at the value, or
	 * at the stage for a key it lacks or two keys together */
	snprintf(k, sizeof(k), "%s.endpoint", key);
	url = config_str(cfg, k, NULL);
	if (!url || !*url) {
		rc = config_error(cfg, url ? k : key, false, err, "%s: not "
				  "set: the URL of an OpenAI-compatible chat "
				  "endpoint", k);
		goto out;
	}
	if (!http_url_ok(url)) {
		rc = config_error(cfg, k, false, err, "%s: '%s' is not an "
				  "http or https URL", k, url);
		goto out;
	}
	snprintf(k, sizeof(k), "%s.model", key);
	model = config_str(cfg, k, NULL);
	if (!model || !*model) {
		rc = config_error(cfg, model ? k : key, false, err, "%s: not "
				  "set: the model name the endpoint serves",
				  k);
		goto out;
	}
	j->url = http_endpoint(url, "chat/completions");
	j->model = xstrdup(model);

	snprintf(k, sizeof(k), "%s.prompt", key);
	snprintf(k2, sizeof(k2), "%s.prompt_file", key);
	inline_prompt = config_str(cfg, k, NULL);
	file = config_str(cfg, k2, NULL);
	if (inline_prompt && file) {
		rc = config_error(cfg, key, false, err, "%s and %s are both "
				  "set: keep one", k, k2);
		goto out;
	}
	if (file) {
		rc = judge_load_prompt(cfg, file, k2, &text, err);
		if (rc != NS_OK)
			goto out;
		rc = judge_prompt_parse(text, file, &j->prompt, err);
	} else {
		rc = judge_prompt_parse(inline_prompt ? inline_prompt :
					judge_prompt_default(),
					inline_prompt ? k : "built-in prompt",
					&j->prompt, err);
	}
	if (rc != NS_OK)
		goto out;

	j->timeout = judge_num(cfg, key, "timeout");
	j->backoff = judge_num(cfg, key, "backoff");
	j->temperature = judge_num(cfg, key, "temperature");
	j->price_prompt = judge_num(cfg, key, "price_prompt");
	j->price_completion = judge_num(cfg, key, "price_completion");
	j->concurrency = (int)judge_num(cfg, key, "concurrency");
	j->retries = (int)judge_num(cfg, key, "retries");
	j->max_tokens = (long)judge_num(cfg, key, "max_tokens");
	j->max_chars = (long)judge_num(cfg, key, "max_chars");

	snprintf(k, sizeof(k), "%s.api_key_env", key);
	env = config_str(cfg, k, NULL);
	if (env && *env && !(getenv(env) && *getenv(env))) {
		rc = config_error(cfg, k, false, err, "%s: the environment "
				  "variable %s is not set", k, env);
		goto out;
	}
	j->auth = http_auth_header(env);
	j->db = db;
	http_global_init();
	rc = NS_OK;
out:
	free(text);
	if (rc != NS_OK) {
		scorer_judge_free(j);
		return rc;
	}
	*out = j;
	return NS_OK;
}

void
scorer_judge_free(struct scorer_judge *j)
{
	if (!j)
		return;
	free(j->url);
	free(j->model);
	http_auth_free(j->auth);
	judge_prompt_free(j->prompt);
	free(j);
}

/* --- prompts and the cache key --------------------------------------------- */

/* The prompt for @req into @sb, and the 128-bit key of everything that
 * determines the answer into @key. */
static void
judge_prepare(const struct scorer_judge *j, const struct scorer_req *req,
	      struct strbuf *sb, unsigned char key[16])
{
	XXH3_state_t *hs = XXH3_createState();
	XXH128_canonical_t c;
	char settings[128];

	strbuf_reset(sb);
	judge_prompt_render(j->prompt, req, j->max_chars, sb);
	snprintf(settings, sizeof(settings), "t=%.17g;max_tokens=%ld",
		 j->temperature, j->max_tokens);
	XXH3_128bits_reset(hs);
	XXH3_128bits_update(hs, "negsieve-judge-1", 17);
	XXH3_128bits_update(hs, j->model, strlen(j->model) + 1);
	XXH3_128bits_update(hs, settings, strlen(settings) + 1);
	XXH3_128bits_update(hs, sb->buf, sb->len);
	XXH128_canonicalFromHash(&c, XXH3_128bits_digest(hs));
	XXH3_freeState(hs);
	memcpy(key, c.digest, 16);
}

uint64_t
scorer_judge_hash(const struct scorer_judge *j, const struct scorer_req *req)
{
	struct strbuf sb;
	unsigned char key[16];
	uint64_t h;

	strbuf_init(&sb);
	judge_prepare(j, req, &sb, key);
	strbuf_fini(&sb);
	memcpy(&h, key, sizeof(h));
	return h;
}

bool
scorer_judge_key(const struct config *cfg, const char *key, uint64_t *out)
{
	const char *model, *inline_prompt, *file;
	char k[128], settings[160], *text = NULL;
	XXH3_state_t *hs;
	struct ns_err e;

	snprintf(k, sizeof(k), "%s.model", key);
	model = config_str(cfg, k, "");
	snprintf(k, sizeof(k), "%s.prompt", key);
	inline_prompt = config_str(cfg, k, NULL);
	snprintf(k, sizeof(k), "%s.prompt_file", key);
	file = config_str(cfg, k, NULL);
	/* the template as scorer_judge_new() reads it; a file that cannot
	 * be read: no key (the stage cannot run either, and says why) */
	err_clear(&e);
	if (file && judge_load_prompt(cfg, file, k, &text, &e) != NS_OK)
		return false;
	/* what judge_prepare() hashes besides the prompt, and what shapes
	 * the prompt besides the texts */
	snprintf(settings, sizeof(settings), "t=%.17g;max_tokens=%ld;"
		 "max_chars=%ld", judge_num(cfg, key, "temperature"),
		 (long)judge_num(cfg, key, "max_tokens"),
		 (long)judge_num(cfg, key, "max_chars"));
	hs = XXH3_createState();
	XXH3_64bits_reset(hs);
	XXH3_64bits_update(hs, "judge", 6);
	XXH3_64bits_update(hs, model, strlen(model) + 1);
	XXH3_64bits_update(hs, settings, strlen(settings) + 1);
	if (text)
		XXH3_64bits_update(hs, text, strlen(text));
	else
		XXH3_64bits_update(hs, inline_prompt ? inline_prompt :
				   judge_prompt_default(),
				   strlen(inline_prompt ? inline_prompt :
					  judge_prompt_default()));
	*out = XXH3_64bits_digest(hs);
	XXH3_freeState(hs);
	free(text);
	return true;
}

/* The request body for @prompt (caller frees). */
static char *
judge_payload(const struct scorer_judge *j, const char *prompt)
{
	json_t *o, *msgs, *m, *content = json_string(prompt);
	char *s;

	if (!content)		/* not valid UTF-8 */
		return NULL;
	o = json_object();
	msgs = json_array();
	m = json_object();
	json_object_set_new(m, "role", json_string("user"));
	json_object_set_new(m, "content", content);
	json_array_append_new(msgs, m);
	json_object_set_new(o, "model", json_string(j->model));
	json_object_set_new(o, "messages", msgs);
	json_object_set_new(o, "temperature", json_real(j->temperature));
	json_object_set_new(o, "max_tokens", json_integer(j->max_tokens));
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* --- a run ----------------------------------------------------------------- */

struct judge_run {
	struct scorer *s;
	struct scorer_judge *j;
	const struct scorer_req *req;
	struct scorer_res *res;
	size_t n;
	struct progress *pr;
	int64_t base;		/* pr->done on entry */
	size_t done;		/* items resolved */
	int *attempts;		/* per item: requests made */
	size_t *queue, nqueue, qpos;	/* items to ask, in order */
	size_t *retry;		/* items waiting to be asked again */
	double *ready;		/* ... and when (per item) */
	size_t nretry;
	int slots, inflight;	/* transfers; those busy */
	double pause_until;	/* a 429's Retry-After holds everything */
	CURLM *multi;
	struct curl_slist *hdrs;
	struct strbuf prompt;	/* scratch */
};

static void
judge_done(struct judge_run *r)
{
	r->done++;
	if (r->pr)
		progress_update(r->pr, r->base + (int64_t)r->done);
}

/* Take an answer for item @i from the cache; true on a usable hit. */
static bool
judge_cached(struct judge_run *r, size_t i, const unsigned char key[16])
{
	char *answer = NULL;
	int64_t pt, ct;
	struct ns_err e;
	double score;
	char why[128];
	enum ns_rc rc;

	if (!r->j->db)
		return false;
	err_clear(&e);
	rc = judgecache_get(r->j->db, key, &answer, &pt, &ct, &e);
	if (rc == NS_EDB)
		scorer_log_note(r->s, "cannot read the judge cache: %s",
				e.msg);
	if (rc != NS_OK)
		return false;
	if (!judge_verdict(answer, &score, why, sizeof(why))) {
		free(answer);	/* ask again */
		return false;
	}
	r->res[i].ok = true;
	r->res[i].score = score;
	r->res[i].raw = answer;
	return true;
}

/* Send item @i on @x; false (and the item failed) when its prompt cannot
 * be encoded. */
static bool
judge_start(struct judge_run *r, struct judge_xfer *x, size_t i)
{
	unsigned char key[16];
	struct scorer_judge *j = r->j;

	judge_prepare(j, &r->req[i], &r->prompt, key);
	free(x->payload);
	x->payload = judge_payload(j, r->prompt.buf);
	if (!x->payload) {
		scorer_res_fail(&r->res[i], &r->req[i], "cannot encode the "
				"request (a text is not valid UTF-8)");
		judge_done(r);
		return false;
	}
	x->busy = true;
	x->item = i;
	x->retry_after = -1;
	x->errbuf[0] = '\0';
	strbuf_reset(&x->body);
	curl_easy_reset(x->h);
	curl_easy_setopt(x->h, CURLOPT_URL, j->url);
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, x->payload);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, http_body_cb);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, &x->body);
	curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(x->h, CURLOPT_HEADERDATA, &x->retry_after);
	curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, (long)(j->timeout * 1000));
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->h, CURLOPT_USERAGENT, PACKAGE_STRING);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	r->attempts[i]++;
	r->s->st.requests++;
	curl_multi_add_handle(r->multi, x->h);
	return true;
}

/* A 2xx body for item @i: tokens, the answer, the verdict, the cache. */
static void
judge_answer(struct judge_run *r, size_t i, const struct strbuf *body)
{
	struct scorer_judge *j = r->j;
	struct scorer_res *res = &r->res[i];
	const struct scorer_req *req = &r->req[i];
	json_error_t je;
	json_t *o, *usage, *choice, *content, *fin;
	int64_t pt = -1, ct = -1;
	char why[160];
	double score;

	o = json_loadb(body->buf ? body->buf : "", body->len, 0, &je);
	if (!o) {
		scorer_res_fail(res, req, "%s: malformed response (line %d, "
				"column %d: %s)", j->url, je.line, je.column,
				je.text);
		return;
	}
	usage = json_object_get(o, "usage");
	if (json_is_integer(json_object_get(usage, "prompt_tokens")))
		pt = json_integer_value(json_object_get(usage,
							"prompt_tokens"));
	if (json_is_integer(json_object_get(usage, "completion_tokens")))
		ct = json_integer_value(json_object_get(usage,
							"completion_tokens"));
	if (pt > 0) {
		r->s->st.prompt_tokens += pt;
		r->s->st.cost += (double)pt / 1000 * j->price_prompt;
	}
	if (ct > 0) {
		r->s->st.completion_tokens += ct;
		r->s->st.cost += (double)ct / 1000 * j->price_completion;
	}
	choice = json_array_get(json_object_get(o, "choices"), 0);
	content = json_object_get(json_object_get(choice, "message"),
				  "content");
	if (!json_is_string(content))	/* a completions-style answer */
		content = json_object_get(choice, "text");
	if (!json_is_string(content)) {
		scorer_res_fail(res, req, "%s: malformed response: no "
				"choices[0].message.content", j->url);
		json_decref(o);
		return;
	}
	fin = json_object_get(choice, "finish_reason");
	res->raw = xstrdup(json_string_value(content));
	if (!judge_verdict(res->raw, &score, why, sizeof(why))) {
		if (json_is_string(fin) &&
		    strcmp(json_string_value(fin), "length") == 0)
			scorer_res_fail(res, req, "%s; the answer was cut at "
					"max_tokens (%ld)", why,
					j->max_tokens);
		else
			scorer_res_fail(res, req, "%s", why);
		json_decref(o);
		return;
	}
	res->ok = true;
	res->score = score;
	if (j->db) {
		unsigned char key[16];
		struct ns_err e;

		judge_prepare(j, req, &r->prompt, key);
		err_clear(&e);
		if (judgecache_put(j->db, key, j->model, res->raw, pt, ct,
				   &e) != NS_OK && !j->cache_failed) {
			j->cache_failed = true;
			scorer_log_note(r->s, "cannot write the judge cache: "
					"%s", e.msg);
		}
	}
	json_decref(o);
}

/* A transfer ended with @cc: answer, retry later, or fail the item. */
static void
judge_finish(struct judge_run *r, struct judge_xfer *x, CURLcode cc)
{
	size_t i = x->item;
	long status = 0;
	char msg[160];
	double now = now_seconds();

	curl_multi_remove_handle(r->multi, x->h);
	x->busy = false;
	if (cc == CURLE_OK) {
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
		r->j->down_run = 0;	/* it answered */
		r->j->down_waited = false;
	} else {
		/* no answer: every attempt counts (see JUDGE_DOWN_AFTER) */
		r->j->down_run++;
		if (r->attempts[i] > 1 || r->attempts[i] > r->j->retries)
			r->j->down_waited = true;
		snprintf(r->j->down_why, sizeof(r->j->down_why), "%s: %s",
			 r->j->url, x->errbuf[0] ? x->errbuf :
			 curl_easy_strerror(cc));
	}
	if (cc == CURLE_OK && status >= 200 && status < 300) {
		judge_answer(r, i, &x->body);
		judge_done(r);
		return;
	}
	if (http_retryable(cc == CURLE_OK, status) &&
	    r->attempts[i] <= r->j->retries) {
		double wait = http_backoff(r->j->backoff, r->attempts[i] - 1,
					   x->retry_after);

		if (status == 429 && x->retry_after >= 0 &&
		    now + x->retry_after > r->pause_until)
			r->pause_until = now + x->retry_after;
		r->ready[i] = now + wait;
		r->retry[r->nretry++] = i;
		return;
	}
	if (cc != CURLE_OK)
		scorer_res_fail(&r->res[i], &r->req[i], "%s: request failed "
				"after %d attempts: %s", r->j->url,
				r->attempts[i], x->errbuf[0] ? x->errbuf :
				curl_easy_strerror(cc));
	else if (http_retryable(true, status))
		scorer_res_fail(&r->res[i], &r->req[i], "%s: HTTP %ld after "
				"%d attempts: %s", r->j->url, status,
				r->attempts[i], http_error_text(&x->body, msg,
							       sizeof(msg)));
	else
		scorer_res_fail(&r->res[i], &r->req[i], "%s: HTTP %ld: %s",
				r->j->url, status,
				http_error_text(&x->body, msg, sizeof(msg)));
	judge_done(r);
}

/* The next item to send now, or false: due retries first (earliest),
 * then the queue; nothing once the endpoint is down. */
static bool
judge_next(struct judge_run *r, double now, size_t *item)
{
	size_t best = SIZE_MAX;

	if (now < r->pause_until || judge_down(r->j))
		return false;
	for (size_t k = 0; k < r->nretry; k++)
		if (r->ready[r->retry[k]] <= now &&
		    (best == SIZE_MAX ||
		     r->ready[r->retry[k]] < r->ready[r->retry[best]]))
			best = k;
	if (best != SIZE_MAX) {
		*item = r->retry[best];
		r->retry[best] = r->retry[--r->nretry];
		return true;
	}
	/* an item waiting to be asked again keeps its slot: a new one
	 * takes only a slot nobody holds, or a failing endpoint would see
	 * a new candidate start with each failed request */
	if (r->qpos < r->nqueue &&
	    r->inflight + (int)r->nretry < r->slots) {
		*item = r->queue[r->qpos++];
		return true;
	}
	return false;
}

enum ns_rc
scorer_judge_run(struct scorer *s, const struct scorer_req *req, size_t n,
		 struct scorer_res *res, struct progress *pr,
		 struct ns_err *err)
{
	struct scorer_judge *j = s->judge;
	struct judge_run r;
	struct judge_xfer *xs = NULL;
	int nx = 0;
	enum ns_rc rc = NS_OK;

	if (n == 0)
		return NS_OK;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.j = j;
	r.req = req;
	r.res = res;
	r.n = n;
	r.pr = pr;
	r.base = pr ? pr->done : 0;
	r.attempts = xcalloc(n, sizeof(*r.attempts));
	r.queue = xmalloc(n * sizeof(*r.queue));
	r.retry = xmalloc(n * sizeof(*r.retry));
	r.ready = xcalloc(n, sizeof(*r.ready));
	strbuf_init(&r.prompt);

	for (size_t i = 0; i < n; i++) {
		unsigned char key[16];

		judge_prepare(j, &req[i], &r.prompt, key);
		if (judge_cached(&r, i, key)) {
			s->st.cached++;
			judge_done(&r);
		} else {
			r.queue[r.nqueue++] = i;
		}
	}
	if (r.nqueue == 0)
		goto out;
	/* asked again after it was said down: it may be back (a run of
	 * failures that ended a call without being said goes on) */
	if (j->down_said) {
		j->down_run = 0;
		j->down_waited = false;
		j->down_said = false;
	}

	r.multi = curl_multi_init();
	if (!r.multi) {
		rc = err_set(err, NS_ENOMEM, "cannot start libcurl");
		goto out;
	}
	curl_multi_setopt(r.multi, CURLMOPT_MAXCONNECTS,
			  (long)j->concurrency * 2);
	r.hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	if (j->auth)
		r.hdrs = curl_slist_append(r.hdrs, j->auth);
	nx = j->concurrency < (int)r.nqueue ? j->concurrency :
	     (int)r.nqueue;
	r.slots = nx;
	xs = xcalloc((size_t)nx, sizeof(*xs));
	for (int k = 0; k < nx; k++) {
		xs[k].h = curl_easy_init();
		strbuf_init(&xs[k].body);
		if (!xs[k].h) {
			rc = err_set(err, NS_ENOMEM, "cannot start libcurl");
			goto out;
		}
	}

	for (;;) {
		double now = now_seconds(), next_at = now + 1;
		bool finished = false;
		size_t item;
		int running, left, ms;
		CURLMsg *m;

		for (int k = 0; k < nx && r.inflight < nx; k++) {
			if (xs[k].busy)
				continue;
			if (!judge_next(&r, now, &item))
				break;
			if (judge_start(&r, &xs[k], item))
				r.inflight++;
		}
		curl_multi_perform(r.multi, &running);
		while ((m = curl_multi_info_read(r.multi, &left)) != NULL) {
			struct judge_xfer *x;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
					  (char **)&x);
			judge_finish(&r, x, m->data.result);
			r.inflight--;
			finished = true;
		}
		if (r.inflight == 0 && r.nretry == 0 && r.qpos == r.nqueue)
			break;
		/* the endpoint is down: nothing more started (judge_next),
		 * and once the requests in flight are over (an answer among
		 * them puts it up again) the rest are not asked */
		if (judge_down(j) && r.inflight == 0) {
			rc = err_set(err, NS_EIO, "endpoint down after %d "
				     "requests in a row without an answer: %s",
				     j->down_run, j->down_why);
			j->down_said = true;
			break;
		}
		if (finished)
			continue;	/* fill the freed slots first */
		/* wake for the next due retry or the end of a pause (down:
		 * only for the transfers in flight) */
		for (size_t k = 0; k < r.nretry && !judge_down(j); k++) {
			double at = r.ready[r.retry[k]];

			if (at < r.pause_until)
				at = r.pause_until;
			if (at < next_at)
				next_at = at;
		}
		if (r.inflight + (int)r.nretry < nx && r.qpos < r.nqueue &&
		    !judge_down(j) && r.pause_until < next_at)
			next_at = r.pause_until;
		ms = (int)((next_at - now_seconds()) * 1000) + 1;
		if (ms < 0)
			ms = 0;
		curl_multi_poll(r.multi, NULL, 0, ms, NULL);
	}
out:
	for (int k = 0; k < nx; k++) {
		if (xs[k].busy)
			curl_multi_remove_handle(r.multi, xs[k].h);
		if (xs[k].h)
			curl_easy_cleanup(xs[k].h);
		free(xs[k].payload);
		strbuf_fini(&xs[k].body);
	}
	free(xs);
	if (r.multi)
		curl_multi_cleanup(r.multi);
	curl_slist_free_all(r.hdrs);
	strbuf_fini(&r.prompt);
	free(r.attempts);
	free(r.queue);
	free(r.retry);
	free(r.ready);
	return rc;
}

/*
 * embed_http.h - a client for OpenAI-compatible /v1/embeddings endpoints
 * (libcurl).
 *
 * One call embeds one batch: POST {"model": M, "input": [texts]} and read
 * data[i].embedding placed by data[i].index.  Connection errors, timeouts,
 * HTTP 429 and 5xx are retried with exponential back-off (a Retry-After
 * header in seconds is honoured when longer); other HTTP errors fail at
 * once.  The API key comes only from an environment variable and is sent
 * as "Authorization: Bearer KEY"; without one no header is sent.
 */
#ifndef NS_EMBED_HTTP_H
#define NS_EMBED_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "src/err.h"

struct embed_http_opts {
	const char *url;	/* base URL, .../v1 or .../v1/embeddings */
	const char *model;	/* sent as "model" */
	double timeout;		/* seconds per request (> 0) */
	int retries;		/* further attempts after a failed one */
	double backoff;		/* first back-off in seconds; doubles */
	const char *key_env;	/* variable holding the key; NULL or "":
				 * NEGSIEVE_API_KEY, then OPENAI_API_KEY */
};

struct embed_http;

/*
 * A client for @o (strings copied).  On success *@out owns it
 * (embed_http_free()); a URL that is not http(s) is NS_EUSAGE.
 */
enum ns_rc embed_http_new(const struct embed_http_opts *o,
			  struct embed_http **out, struct ns_err *err);
void embed_http_free(struct embed_http *h);

/* The full endpoint URL requests go to (owned by @h). */
const char *embed_http_url(const struct embed_http *h);

/*
 * Embed @n texts (@texts[i] of @lens[i] bytes, valid UTF-8) in one
 * request.  On success *@out is a new array of n * *@dim floats in input
 * order (caller frees).  *@dim is the expected dimension, or 0 to accept
 * the first one seen (then set); a vector of another dimension is NS_ENET
 * naming it.  Failures after the last retry, malformed responses and wrong
 * counts are NS_ENET with a message naming the URL.
 */
enum ns_rc embed_http_embed(struct embed_http *h, const char *const *texts,
			    const size_t *lens, int n, float **out, int *dim,
			    struct ns_err *err);

/* HTTP requests sent so far (retries included). */
int64_t embed_http_requests(const struct embed_http *h);

#endif

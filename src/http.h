/*
 * http.h - what the OpenAI-compatible clients share (libcurl): endpoint
 * URLs, the API key from the environment, the retry policy (which
 * failures are retried, exponential back-off, Retry-After) and the
 * server's error text.  embed_http.c (embeddings, one request at a time)
 * and scorer_judge.c (chat completions, many in flight) build on it.
 */
#ifndef NS_HTTP_H
#define NS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "src/util.h"

#define HTTP_RETRY_AFTER_MAX 120.0	/* seconds; longer waits are capped */

/* curl_global_init() once per process (not thread-safe: call it from the
 * main thread before any client is made). */
void http_global_init(void);

/* Is @url http:// or https://? */
bool http_url_ok(const char *url);

/*
 * The full endpoint URL for @base, which may be a server root, ".../v1"
 * or already ".../v1/@path" (trailing slashes ignored); @path is e.g.
 * "embeddings" or "chat/completions".  Caller frees.
 */
char *http_endpoint(const char *base, const char *path);

/*
 * The "Authorization: Bearer KEY" header for the key in environment
 * variable @key_env, or, when @key_env is NULL or "", in NEGSIEVE_API_KEY
 * then OPENAI_API_KEY; NULL when that variable is unset or empty.  Free
 * with http_auth_free(), which wipes the key.
 */
char *http_auth_header(const char *key_env);
void http_auth_free(char *auth);

/* CURLOPT_WRITEFUNCTION appending to the struct strbuf in the user data. */
size_t http_body_cb(char *p, size_t size, size_t nmemb, void *arg);

/*
 * CURLOPT_HEADERFUNCTION remembering a Retry-After header, given in
 * seconds or as an HTTP date, in the double the user data points to
 * (seconds from now, capped at HTTP_RETRY_AFTER_MAX; left alone when the
 * header is absent or unreadable).
 */
size_t http_header_cb(char *p, size_t size, size_t nmemb, void *arg);

/*
 * Is a failed attempt worth another: a transport error (@curl_ok false:
 * refused, reset, timed out), HTTP 408, 429 or 5xx?
 */
bool http_retryable(bool curl_ok, long status);

/*
 * Seconds to wait before retry @attempt (0 = the first retry): @backoff
 * doubled per attempt, or @retry_after (< 0 when none) when longer.
 */
double http_backoff(double backoff, int attempt, double retry_after);

/* The server's error message from a JSON body ({"error": {"message"}} or
 * {"error": "..."}), else the start of the body on one line; into @buf. */
const char *http_error_text(const struct strbuf *body, char *buf,
			    size_t size);

/* Sleep @s seconds (nothing when <= 0). */
void http_sleep(double s);

#endif

/*
 * http.c - helpers shared by the OpenAI-compatible clients (see http.h).
 */
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "src/http.h"

void
http_global_init(void)
{
	static int ready;

	if (!ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		ready = 1;
	}
}

bool
http_url_ok(const char *url)
{
	return strncmp(url, "http://", 7) == 0 ||
	       strncmp(url, "https://", 8) == 0;
}

char *
http_endpoint(const char *base, const char *path)
{
	size_t n = strlen(base), p = strlen(path);
	char *b, *url;

	while (n > 0 && base[n - 1] == '/')
		n--;
	b = xstrndup(base, n);
	if (n > p && base[n - p - 1] == '/' &&
	    strncmp(base + n - p, path, p) == 0)
		url = xstrdup(b);
	else if (n >= 3 && strcmp(b + n - 3, "/v1") == 0)
		url = xasprintf("%s/%s", b, path);
	else
		url = xasprintf("%s/v1/%s", b, path);
	free(b);
	return url;
}

char *
http_auth_header(const char *key_env)
{
	const char *key;

	if (key_env && *key_env) {
		key = getenv(key_env);
	} else {
		key = getenv("NEGSIEVE_API_KEY");
		if (!key || !*key)
			key = getenv("OPENAI_API_KEY");
	}
	if (!key || !*key)
		return NULL;
	return xasprintf("Authorization: Bearer %s", key);
}

void
http_auth_free(char *auth)
{
	if (!auth)
		return;
	/* do not leave the key in freed memory */
	memset(auth, 0, strlen(auth));
	free(auth);
}

size_t
http_body_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	strbuf_add(arg, p, size * nmemb);
	return size * nmemb;
}

size_t
http_header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	size_t len = size * nmemb;
	double *retry_after = arg;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		char buf[64];
		size_t k = len - 12 < sizeof(buf) - 1 ? len - 12 :
			   sizeof(buf) - 1;
		char *s = buf, *end;
		double v;

		memcpy(buf, p + 12, k);
		buf[k] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		for (end = s + strlen(s); end > s && (end[-1] == '\r' ||
						      end[-1] == '\n' ||
						      end[-1] == ' ');)
			*--end = '\0';
		v = strtod(s, &end);
		if (end == s || *end) {
			/* an HTTP date: the wait is until then */
			time_t t = curl_getdate(s, NULL);

			v = t < 0 ? -1 : difftime(t, time(NULL));
			if (t >= 0 && v < 0)
				v = 0;
		}
		if (isfinite(v) && v >= 0)
			*retry_after = v > HTTP_RETRY_AFTER_MAX ?
				       HTTP_RETRY_AFTER_MAX : v;
	}
	return len;
}

bool
http_retryable(bool curl_ok, long status)
{
	return !curl_ok || status == 408 || status == 429 || status >= 500;
}

double
http_backoff(double backoff, int attempt, double retry_after)
{
	double w = backoff;

	for (int i = 0; i < attempt && w < HTTP_RETRY_AFTER_MAX; i++)
		w *= 2;
	if (w > HTTP_RETRY_AFTER_MAX)
		w = HTTP_RETRY_AFTER_MAX;
	return retry_after > w ? retry_after : w;
}

const char *
http_error_text(const struct strbuf *body, char *buf, size_t size)
{
	json_t *o = body->len ? json_loadb(body->buf, body->len, 0, NULL) :
		    NULL;
	json_t *e = o ? json_object_get(o, "error") : NULL;
	json_t *m = json_is_object(e) ? json_object_get(e, "message") : e;
	size_t i;

	if (json_is_string(m)) {
		snprintf(buf, size, "%s", json_string_value(m));
	} else {
		snprintf(buf, size, "%.*s", (int)(body->len < 200 ? body->len :
						   200), body->len ? body->buf :
			 "");
		for (i = 0; buf[i]; i++)
			if (buf[i] == '\n' || buf[i] == '\r')
				buf[i] = ' ';
	}
	json_decref(o);
	return buf;
}

void
http_sleep(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0)
		;
}

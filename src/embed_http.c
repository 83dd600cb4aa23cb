/*
 * embed_http.c - OpenAI-compatible embeddings client (see embed_http.h).
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/embed_http.h"
#include "src/http.h"
#include "src/util.h"

struct embed_http {
	char *url;		/* full endpoint */
	char *model;
	char *auth;		/* "Authorization: Bearer ..." or NULL */
	double timeout, backoff;
	int retries;
	int64_t requests;
	CURL *curl;
};

enum ns_rc
embed_http_new(const struct embed_http_opts *o, struct embed_http **out,
	       struct ns_err *err)
{
	struct embed_http *h;

	if (!http_url_ok(o->url))
		return err_set(err, NS_EUSAGE, "endpoint '%s' is not an http "
			       "or https URL", o->url);
	http_global_init();
	h = xcalloc(1, sizeof(*h));
	h->url = http_endpoint(o->url, "embeddings");
	h->model = xstrdup(o->model);
	h->timeout = o->timeout > 0 ? o->timeout : 60;
	h->backoff = o->backoff >= 0 ? o->backoff : 1;
	h->retries = o->retries >= 0 ? o->retries : 0;
	h->auth = http_auth_header(o->key_env);
	h->curl = curl_easy_init();
	if (!h->curl) {
		embed_http_free(h);
		return err_set(err, NS_ENOMEM, "cannot start libcurl");
	}
	*out = h;
	return NS_OK;
}

void
embed_http_free(struct embed_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->url);
	free(h->model);
	http_auth_free(h->auth);
	free(h);
}

const char *
embed_http_url(const struct embed_http *h)
{
	return h->url;
}

int64_t
embed_http_requests(const struct embed_http *h)
{
	return h->requests;
}

/* Parse a 200 response into a new *@out (n * *@dim floats). */
static enum ns_rc
http_parse(struct embed_http *h, const struct strbuf *body, int n,
	   float **out, int *dim, struct ns_err *err)
{
	json_error_t je;
	json_t *o, *data;
	float *vecs = NULL;
	char *seen = NULL;
	enum ns_rc rc = NS_OK;
	int d = *dim;

	o = json_loadb(body->buf ? body->buf : "", body->len, 0, &je);
	if (!o)
		return err_set(err, NS_ENET, "%s: malformed response (line "
			       "%d, column %d: %s)", h->url, je.line,
			       je.column, je.text);
	data = json_object_get(o, "data");
	if (!json_is_array(data)) {
		rc = err_set(err, NS_ENET, "%s: malformed response: no "
			     "\"data\" array", h->url);
		goto out;
	}
	if (json_array_size(data) != (size_t)n) {
		rc = err_set(err, NS_ENET, "%s: %zu embeddings returned for "
			     "%d inputs", h->url, json_array_size(data), n);
		goto out;
	}
	/* without an expected dimension, the first input's sets it */
	for (size_t i = 0; d == 0 && i < (size_t)n; i++) {
		json_t *item = json_array_get(data, i);
		json_t *jidx = json_object_get(item, "index");
		json_t *emb = json_object_get(item, "embedding");

		if ((json_is_integer(jidx) ? json_integer_value(jidx) :
		     (json_int_t)i) == 0 && json_is_array(emb) &&
		    json_array_size(emb) > 0 && json_array_size(emb) <= 65536)
			d = (int)json_array_size(emb);
	}
	seen = xcalloc((size_t)n, 1);
	for (size_t i = 0; i < (size_t)n; i++) {
		json_t *item = json_array_get(data, i);
		json_t *jidx = json_object_get(item, "index");
		json_t *emb = json_object_get(item, "embedding");
		json_int_t idx = json_is_integer(jidx) ?
				 json_integer_value(jidx) : (json_int_t)i;
		size_t k;

		if (idx < 0 || idx >= n || seen[idx]) {
			rc = err_set(err, NS_ENET, "%s: malformed response: "
				     "bad or repeated index %lld", h->url,
				     (long long)idx);
			goto out;
		}
		seen[idx] = 1;
		if (!json_is_array(emb) || json_array_size(emb) == 0) {
			rc = err_set(err, NS_ENET, "%s: malformed response: "
				     "data[%zu].embedding is not an array of "
				     "numbers", h->url, i);
			goto out;
		}
		k = json_array_size(emb);
		if (d == 0) {
			if (k > 65536) {
				rc = err_set(err, NS_ENET, "%s: dimension %zu "
					     "out of range", h->url, k);
				goto out;
			}
			d = (int)k;
		}
		if (k != (size_t)d) {
			rc = err_set(err, NS_ENET, "%s: model '%s' returned a "
				     "vector of dimension %zu, expected %d",
				     h->url, h->model, k, d);
			goto out;
		}
		if (!vecs)
			vecs = xmalloc((size_t)n * (size_t)d * sizeof(float));
		for (size_t j = 0; j < k; j++) {
			json_t *x = json_array_get(emb, j);

			if (!json_is_number(x)) {
				rc = err_set(err, NS_ENET, "%s: malformed "
					     "response: data[%zu].embedding[%zu]"
					     " is not a number", h->url, i, j);
				goto out;
			}
			vecs[(size_t)idx * (size_t)d + j] =
				(float)json_number_value(x);
		}
	}
out:
	json_decref(o);
	free(seen);
	if (rc != NS_OK) {
		free(vecs);
		return rc;
	}
	*out = vecs;
	*dim = d;
	return NS_OK;
}

enum ns_rc
embed_http_embed(struct embed_http *h, const char *const *texts,
		 const size_t *lens, int n, float **out, int *dim,
		 struct ns_err *err)
{
	struct curl_slist *hdrs = NULL;
	struct strbuf body;
	char errbuf[CURL_ERROR_SIZE], msg[256];
	json_t *req, *input;
	char *payload;
	enum ns_rc rc = NS_ENET;

	req = json_object();
	json_object_set_new(req, "model", json_string(h->model));
	input = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(input, json_stringn(texts[i], lens[i]));
	json_object_set_new(req, "input", input);
	payload = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!payload)
		return err_set(err, NS_EINPUT, "cannot encode the request "
			       "(text is not valid UTF-8)");

	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (h->auth)
		hdrs = curl_slist_append(hdrs, h->auth);
	strbuf_init(&body);
	for (int attempt = 0;; attempt++) {
		double retry_after = -1;
		long status = 0;
		CURLcode cc;

		strbuf_reset(&body);
		curl_easy_reset(h->curl);
		curl_easy_setopt(h->curl, CURLOPT_URL, h->url);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_body_cb);
		curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &body);
		curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION,
				 http_header_cb);
		curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, &retry_after);
		curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS,
				 (long)(h->timeout * 1000));
		curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(h->curl, CURLOPT_USERAGENT, PACKAGE_STRING);
		errbuf[0] = '\0';
		h->requests++;
		cc = curl_easy_perform(h->curl);
		if (cc == CURLE_OK)
			curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
					  &status);
		if (cc == CURLE_OK && status >= 200 && status < 300) {
			rc = http_parse(h, &body, n, out, dim, err);
			break;
		}
		if (!http_retryable(cc == CURLE_OK, status)) {
			rc = err_set(err, NS_ENET, "%s: HTTP %ld: %s", h->url,
				     status, http_error_text(&body, msg,
							     sizeof(msg)));
			break;
		}
		if (attempt >= h->retries) {
			if (cc != CURLE_OK)
				rc = err_set(err, NS_ENET, "%s: request failed "
					     "after %d attempts: %s", h->url,
					     attempt + 1, errbuf[0] ? errbuf :
					     curl_easy_strerror(cc));
			else
				rc = err_set(err, NS_ENET, "%s: HTTP %ld after "
					     "%d attempts: %s", h->url, status,
					     attempt + 1,
					     http_error_text(&body, msg,
							     sizeof(msg)));
			break;
		}
		http_sleep(http_backoff(h->backoff, attempt, retry_after));
	}
	strbuf_fini(&body);
	curl_slist_free_all(hdrs);
	free(payload);
	return rc;
}

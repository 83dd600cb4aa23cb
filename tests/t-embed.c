/* t-embed.c - the built-in embedder (norm, determinism, similarity, state
 * round trip) and float16 conversion. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "src/embed_builtin.h"
#include "tests/tap.h"
#include "src/vecfile.h"

static double
dot(const float *a, const float *b, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

static void
vec(struct embed_builtin *eb, const char *s, float *out)
{
	embed_builtin_vector(eb, s, strlen(s), out);
}

int
main(void)
{
	static const char *docs[] = {
		"Phloem is a conductive tissue in plants.",
		"Costa Rica is popular for medical tourism.",
		"The quick brown fox jumps over the lazy dog.",
		"Xylem and phloem carry water and sugars in plants.",
	};
	struct embed_builtin *eb = embed_builtin_new(64), *eb2 = NULL;
	float a[64], b[64], c[64];
	struct ns_err err;
	void *state;
	size_t len;

	err_clear(&err);
	for (size_t i = 0; i < 4; i++)
		embed_builtin_count(eb, docs[i], strlen(docs[i]));
	is_int(embed_builtin_docs(eb), 4, "documents counted");
	vec(eb, docs[0], a);
	is_dbl(dot(a, a, 64), 1.0, 1e-5, "L2-normalised");
	vec(eb, docs[0], b);
	ok(memcmp(a, b, sizeof(a)) == 0, "deterministic");
	vec(eb, "PHLOEM is a Conductive tissue in PLANTS.", b);
	ok(memcmp(a, b, sizeof(a)) == 0, "lowercased");
	vec(eb, "what does phloem do in plants", b);
	vec(eb, "what does a fox do in costa rica", c);
	ok(dot(a, b, 64) > dot(a, c, 64), "related query is closer (%.3f > "
	   "%.3f)", dot(a, b, 64), dot(a, c, 64));
	vec(eb, "", b);
	is_dbl(dot(b, b, 64), 0, 0, "empty text gives a zero vector");
	vec(eb, "ÉCOLE", b);
	vec(eb, "école", c);
	ok(memcmp(b, c, sizeof(b)) == 0, "Latin-1 lowercased");
	vec(eb, "\xff\xfe broken", b);
	is_dbl(dot(b, b, 64), 1.0, 1e-5, "invalid UTF-8 does not crash");

	embed_builtin_state(eb, &state, &len);
	ok(embed_builtin_from_state(state, len, 64, &eb2, &err) == NS_OK,
	   "state round trip");
	if (eb2) {
		vec(eb2, docs[3], b);
		vec(eb, docs[3], c);
		ok(memcmp(b, c, sizeof(b)) == 0, "same vectors from the state");
	}
	ok(embed_builtin_from_state(state, 10, 64, &eb2, &err) == NS_EINPUT,
	   "bad state refused");
	is_str(err.msg, "the built-in embedder's document frequencies are "
	       "missing or of another version; re-run 'negsieve embed' on "
	       "the passages", "bad state message");
	free(state);
	embed_builtin_free(eb);
	embed_builtin_free(eb2);

	is_dbl(vecfile_half(0x3c00), 1.0, 0, "half 1.0");
	is_dbl(vecfile_half(0xc000), -2.0, 0, "half -2.0");
	is_dbl(vecfile_half(0x7bff), 65504.0, 0, "half max");
	is_dbl(vecfile_half(0x0001), ldexp(1, -24), 0, "half subnormal");
	ok(isinf(vecfile_half(0x7c00)), "half infinity");
	ok(isnan(vecfile_half(0x7e00)), "half NaN");
	return tap_done();
}

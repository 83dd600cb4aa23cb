/*
 * embed_builtin.c - hashed TF-IDF vectors (see embed_builtin.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "src/embed_builtin.h"
#include "src/util.h"

#define DF_BITS 20
#define DF_SIZE ((size_t)1 << DF_BITS)
#define WORD_MAX 128		/* bytes of a word used for features */
#define SEED_WORD 0x6e73776f7264ULL
#define SEED_BIGRAM 0x6e736269677261ULL
#define SEED_CHAR 0x6e7363686172ULL
#define STATE_MAGIC "NSIDF001"

/* The features of one document: a small open-addressing set of hashes
 * with counts, reused between documents. */
struct feat_table {
	uint64_t *keys;		/* 0 = empty (hash 0 is remapped to 1) */
	uint32_t *counts;
	uint32_t *used;		/* slots in use, for reset and iteration */
	size_t cap, n;
};

struct embed_builtin {
	int dim;
	int64_t docs;		/* N */
	uint32_t *df;		/* DF_SIZE document frequencies */
	struct feat_table ft;
};

static void
ft_init(struct feat_table *ft, size_t cap)
{
	ft->cap = cap;
	ft->n = 0;
	ft->keys = xcalloc(cap, sizeof(*ft->keys));
	ft->counts = xcalloc(cap, sizeof(*ft->counts));
	ft->used = xmalloc(cap * sizeof(*ft->used));
}

static void
ft_fini(struct feat_table *ft)
{
	free(ft->keys);
	free(ft->counts);
	free(ft->used);
}

static void
ft_reset(struct feat_table *ft)
{
	for (size_t i = 0; i < ft->n; i++)
		ft->keys[ft->used[i]] = 0;
	ft->n = 0;
}

static void ft_add(struct feat_table *ft, uint64_t h);

static void
ft_grow(struct feat_table *ft)
{
	struct feat_table old = *ft;

	ft_init(ft, old.cap * 2);
	for (size_t i = 0; i < old.n; i++) {
		uint32_t s = old.used[i];

		ft_add(ft, old.keys[s]);
		/* ft_add set the count to 1; restore it */
		for (size_t j = old.keys[s] & (ft->cap - 1);;
		     j = (j + 1) & (ft->cap - 1)) {
			if (ft->keys[j] == old.keys[s]) {
				ft->counts[j] = old.counts[s];
				break;
			}
		}
	}
	ft_fini(&old);
}

static void
ft_add(struct feat_table *ft, uint64_t h)
{
	size_t mask, i;

	if (h == 0)
		h = 1;
	if (2 * (ft->n + 1) > ft->cap)
		ft_grow(ft);
	mask = ft->cap - 1;
	for (i = (size_t)(h ^ (h >> 32)) & mask; ft->keys[i];
	     i = (i + 1) & mask) {
		if (ft->keys[i] == h) {
			ft->counts[i]++;
			return;
		}
	}
	ft->keys[i] = h;
	ft->counts[i] = 1;
	ft->used[ft->n++] = (uint32_t)i;
}

/* Lowercase code point @c (ASCII, Latin-1, Latin Extended-A, Greek,
 * Cyrillic); fixed rules, independent of the locale. */
static uint32_t
lower_cp(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
	    (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) ||
	    (c >= 0x410 && c <= 0x42F))
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x138 &&
	    c != 0x149 && c != 0x17F) {
		/* pairs: even upper / odd lower, shifted in 0x139..0x148
		 * and 0x179..0x17E */
		int odd_upper = (c >= 0x139 && c <= 0x148) ||
				(c >= 0x179 && c <= 0x17E);

		if (odd_upper ? (c & 1) : !(c & 1))
			return c + 1;
	}
	return c;
}

/* Word characters: ASCII letters and digits, and every code point from
 * U+00C0 up except general and CJK punctuation and spaces. */
static int
word_cp(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9');
	if (c < 0xC0 || c == 0xD7 || c == 0xF7)
		return 0;
	if ((c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
	    (c >= 0xFF00 && c <= 0xFF0F) || c == 0xFEFF)
		return 0;
	return 1;
}

static int
utf8_put(uint32_t c, unsigned char *o)
{
	if (c < 0x80) {
		o[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (unsigned char)(0xC0 | c >> 6);
		o[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (unsigned char)(0xE0 | c >> 12);
		o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | c >> 18);
	o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

/* Add the features of word @w (@wl bytes, lowercased, @starts holding the
 * byte offset of each of its @ncp code points plus wl at the end). */
static void
word_features(struct feat_table *ft, const unsigned char *w, size_t wl,
	      const int *starts, int ncp, uint64_t *prev)
{
	unsigned char pad[WORD_MAX + 2];
	int pstart[WORD_MAX + 3];
	uint64_t h = XXH3_64bits_withSeed(w, wl, SEED_WORD);
	int m;

	ft_add(ft, h);
	if (*prev) {
		uint64_t pair[2] = { *prev, h };

		ft_add(ft, XXH3_64bits_withSeed(pair, sizeof(pair),
						SEED_BIGRAM));
	}
	*prev = h;
	/* character n-grams of " word " */
	pad[0] = ' ';
	memcpy(pad + 1, w, wl);
	pad[wl + 1] = ' ';
	pstart[0] = 0;
	for (int i = 0; i < ncp; i++)
		pstart[i + 1] = starts[i] + 1;
	pstart[ncp + 1] = (int)wl + 1;
	pstart[ncp + 2] = (int)wl + 2;
	m = ncp + 2;	/* code points in pad */
	for (int n = 3; n <= 5; n++)
		for (int i = 0; i + n <= m; i++)
			ft_add(ft, XXH3_64bits_withSeed(
				       pad + pstart[i],
				       (size_t)(pstart[i + n] - pstart[i]),
				       SEED_CHAR));
}

/* Fill the feature table with the features of @text. */
static void
text_features(struct feat_table *ft, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned char w[WORD_MAX + 4];
	int starts[WORD_MAX + 4];
	size_t wl = 0, i = 0;
	int ncp = 0;
	uint64_t prev = 0;

	ft_reset(ft);
	while (i <= len) {
		uint32_t c = 0;
		int k = 1;

		if (i < len)
			c = utf8_next(s + i, len - i, &k);
		if (i < len && word_cp(c)) {
			c = lower_cp(c);
			if (wl + 4 <= WORD_MAX) {
				starts[ncp++] = (int)wl;
				wl += (size_t)utf8_put(c, w + wl);
			}
		} else if (wl) {
			word_features(ft, w, wl, starts, ncp, &prev);
			wl = 0;
			ncp = 0;
		}
		i += (size_t)k;
	}
}

struct embed_builtin *
embed_builtin_new(int dim)
{
	struct embed_builtin *eb = xcalloc(1, sizeof(*eb));

	eb->dim = dim;
	eb->df = xcalloc(DF_SIZE, sizeof(*eb->df));
	ft_init(&eb->ft, 1024);
	return eb;
}

void
embed_builtin_free(struct embed_builtin *eb)
{
	if (!eb)
		return;
	free(eb->df);
	ft_fini(&eb->ft);
	free(eb);
}

void
embed_builtin_count(struct embed_builtin *eb, const char *text, size_t len)
{
	text_features(&eb->ft, text, len);
	for (size_t i = 0; i < eb->ft.n; i++) {
		uint32_t *d = &eb->df[eb->ft.keys[eb->ft.used[i]] &
				      (DF_SIZE - 1)];

		if (*d != UINT32_MAX)
			(*d)++;
	}
	eb->docs++;
}

int64_t
embed_builtin_docs(const struct embed_builtin *eb)
{
	return eb->docs;
}

void
embed_builtin_vector(struct embed_builtin *eb, const char *text, size_t len,
		     float *out)
{
	double norm = 0, n1 = (double)eb->docs + 1;

	memset(out, 0, (size_t)eb->dim * sizeof(float));
	text_features(&eb->ft, text, len);
	for (size_t i = 0; i < eb->ft.n; i++) {
		uint32_t s = eb->ft.used[i];
		uint64_t h = eb->ft.keys[s];
		double tf = 1 + log((double)eb->ft.counts[s]);
		double idf = log(n1 / (1.0 + eb->df[h & (DF_SIZE - 1)])) + 1;
		uint64_t rest = h >> DF_BITS;
		size_t b = (size_t)((rest >> 1) % (uint64_t)eb->dim);

		out[b] += (float)((rest & 1) ? -tf * idf : tf * idf);
	}
	for (int i = 0; i < eb->dim; i++)
		norm += (double)out[i] * out[i];
	if (norm > 0) {
		float inv = (float)(1 / sqrt(norm));

		for (int i = 0; i < eb->dim; i++)
			out[i] *= inv;
	}
}

void
embed_builtin_state(const struct embed_builtin *eb, void **data, size_t *len)
{
	size_t n = 16 + DF_SIZE * sizeof(uint32_t);
	unsigned char *b = xmalloc(n);
	int64_t docs = eb->docs;

	memcpy(b, STATE_MAGIC, 8);
	memcpy(b + 8, &docs, 8);
	memcpy(b + 16, eb->df, DF_SIZE * sizeof(uint32_t));
	*data = b;
	*len = n;
}

enum ns_rc
embed_builtin_from_state(const void *data, size_t len, int dim,
			 struct embed_builtin **out, struct ns_err *err)
{
	struct embed_builtin *eb;

	if (!data || len != 16 + DF_SIZE * sizeof(uint32_t) ||
	    memcmp(data, STATE_MAGIC, 8) != 0)
		return err_set(err, NS_EINPUT, "the built-in embedder's "
			       "document frequencies are missing or of "
			       "another version; re-run 'negsieve embed' on "
			       "the passages");
	eb = embed_builtin_new(dim);
	memcpy(&eb->docs, (const char *)data + 8, 8);
	memcpy(eb->df, (const char *)data + 16, DF_SIZE * sizeof(uint32_t));
	*out = eb;
	return NS_OK;
}

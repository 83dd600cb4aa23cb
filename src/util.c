/*
 * util.c - allocation, buffers, UTF-8, hashing (see util.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "src/util.h"

static void
oom(size_t n)
{
	fprintf(stderr, "negsieve: out of memory (allocating %zu bytes)\n", n);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

/* The huge page size asked for (x86-64, arm64 with 4 KB pages). */
#define XLARGE_ALIGN ((size_t)2 << 20)

void *
xmalloc_large(size_t n)
{
	void *p;

	if (n < XLARGE_MIN)
		return xmalloc(n);
	if (posix_memalign(&p, XLARGE_ALIGN, n))
		oom(n);
#ifdef MADV_HUGEPAGE
	/* advice only: without huge pages it is 4 KB pages as before */
	(void)madvise(p, n & ~(XLARGE_ALIGN - 1), MADV_HUGEPAGE);
#endif
	return p;
}

void *
xrealloc_large(void *p, size_t used, size_t n)
{
	void *q;

	/* small, or large already (realloc() keeps the advice) */
	if (!p || n < XLARGE_MIN || used >= XLARGE_MIN)
		return p ? xrealloc(p, n) : xmalloc_large(n);
	q = xmalloc_large(n);
	memcpy(q, p, used < n ? used : n);
	free(p);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	int n;

	strbuf_init(&sb);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb.cap = (size_t)n + 1;
	sb.buf = xmalloc(sb.cap);
	va_start(ap, fmt);
	vsnprintf(sb.buf, sb.cap, fmt, ap);
	va_end(ap);
	return sb.buf;
}

void
strbuf_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void
strbuf_fini(struct strbuf *sb)
{
	free(sb->buf);
	strbuf_init(sb);
}

void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

static void
strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;

	if (need <= sb->cap)
		return;
	if (sb->cap == 0)
		sb->cap = 64;
	while (sb->cap < need)
		sb->cap *= 2;
	sb->buf = xrealloc(sb->buf, sb->cap);
}

void
strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (len)	/* data may be NULL then (an empty SQLite blob) */
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void
strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void
strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;

	strbuf_add(sb, &ch, 1);
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	strbuf_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *
strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *p;

	if (!sb->buf)
		strbuf_grow(sb, 0), sb->buf[0] = '\0';
	p = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb);
	return p;
}

long
utf8_check(const char *str, size_t len, const char **why)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			if (c == 0) {
				if (why)
					*why = "NUL byte";
				return (long)i;
			}
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			if (why)
				*why = "invalid UTF-8 lead byte";
			return (long)i;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xC0) != 0x80) {
				if (why)
					*why = i + k >= len
					       ? "truncated UTF-8 sequence"
					       : "invalid UTF-8 continuation byte";
				return (long)i;
			}
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
			if (why)
				*why = "invalid UTF-8 sequence";
			return (long)i;
		}
		i += n + 1;
	}
	return -1;
}

long
utf8_column(const char *s, size_t off)
{
	long col = 1;

	for (size_t i = 0; i < off && s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

uint32_t
utf8_next(const unsigned char *s, size_t n, int *k)
{
	uint32_t c = s[0];
	int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 :
		  (c >> 3) == 30 ? 4 : 0;

	if (len == 0 || (size_t)len > n) {
		*k = 1;
		return c;
	}
	c &= len == 1 ? 0x7F : len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*k = 1;
			return s[0];
		}
		c = c << 6 | (s[i] & 0x3F);
	}
	*k = len;
	return c;
}

bool
unicode_unspaced(uint32_t c)
{
	/* the blocks of those scripts' letters; CJK punctuation (U+3000 to
	 * U+303F) and full-width forms are not among them, so that a word
	 * of them alone is still matched whole */
	static const uint32_t blocks[][2] = {
		{ 0x0E00, 0x0EFF },	/* Thai, Lao */
		{ 0x1000, 0x109F },	/* Myanmar */
		{ 0x1100, 0x11FF },	/* Hangul Jamo */
		{ 0x1780, 0x17FF },	/* Khmer */
		{ 0x19E0, 0x19FF },	/* Khmer symbols */
		{ 0x2E80, 0x2FDF },	/* CJK and Kangxi radicals */
		{ 0x3040, 0x318F },	/* kana, Bopomofo, Hangul compat. */
		{ 0x31A0, 0x31FF },	/* Bopomofo ext., katakana ext. */
		{ 0x3400, 0x4DBF },	/* CJK extension A */
		{ 0x4E00, 0x9FFF },	/* CJK unified ideographs */
		{ 0xA960, 0xA97F },	/* Hangul Jamo extended A */
		{ 0xAA60, 0xAA7F },	/* Myanmar extended A */
		{ 0xAC00, 0xD7FF },	/* Hangul syllables, Jamo ext. B */
		{ 0xF900, 0xFAFF },	/* CJK compatibility ideographs */
		{ 0xFF66, 0xFFDC },	/* half-width katakana and Hangul */
		{ 0x1B000, 0x1B16F },	/* kana supplement and extended */
		{ 0x20000, 0x3FFFF },	/* CJK extensions B and up */
	};

	if (c < blocks[0][0])
		return false;
	for (size_t i = 0; i < NS_ARRAY_SIZE(blocks); i++)
		if (c >= blocks[i][0] && c <= blocks[i][1])
			return true;
	return false;
}

bool
utf8_has_unspaced(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < len; ) {
		int k;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (unicode_unspaced(utf8_next(s + i, len - i, &k)))
			return true;
		i += (size_t)k;
	}
	return false;
}

bool
text_blank(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < len; ) {
		uint32_t c;
		int k;

		if (s[i] < 0x80) {
			if (!strchr(" \t\n\r\f\v", s[i]) || !s[i])
				return false;
			i++;
			continue;
		}
		c = utf8_next(s + i, len - i, &k);
		/* (k 1: a byte that is no UTF-8, which is not a blank) */
		if (k == 1 || (c != 0x85 && c != 0xA0 && c != 0x1680 &&
		    !(c >= 0x2000 && c <= 0x200A) && c != 0x2028 &&
		    c != 0x2029 && c != 0x202F && c != 0x205F && c != 0x3000))
			return false;
		i += (size_t)k;
	}
	return true;
}

int64_t
ns_lower_bound_i64(const int64_t *v, int64_t lo, int64_t n, int64_t x)
{
	int64_t hi = n;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t
hash64(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}

double
now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

double
ns_memory(void)
{
	const char *e = getenv("NEGSIEVE_MEMORY");
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

	if (e && atof(e) > 0)
		return atof(e);
	return pages > 0 && psize > 0 ? (double)pages * (double)psize : 0;
}

bool
file_is_sqlite(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	FILE *fp = fopen(path, "rb");
	bool yes;

	if (!fp)
		return false;
	yes = fread(head, 1, sizeof(head), fp) == sizeof(head) &&
	      memcmp(head, magic, sizeof(magic)) == 0;
	fclose(fp);
	return yes;
}

char *
now_iso8601(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	char tmp[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03dZ", tmp, (int)(tv.tv_usec / 1000));
	return buf;
}

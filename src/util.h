/*
 * util.h - allocation that aborts on out-of-memory, growable byte buffers,
 * UTF-8 checks, content hashing and a binary search over sorted ids.
 */
#ifndef NS_UTIL_H
#define NS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators: never return NULL; print a message and abort instead. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/*
 * Large arrays (a million items and more): as xmalloc() and xrealloc()
 * (free() frees them), but from XLARGE_MIN bytes up the memory is
 * aligned to 2 MB and the kernel is asked to back it with huge pages
 * where it offers them (Linux, madvise MADV_HUGEPAGE): the first touch
 * of every 4 KB page costs a page fault, which on a virtual machine made
 * a third of reading 1M cascade items.  xrealloc_large() is told how
 * many bytes of @p are in use (@used), copied when the array grows past
 * XLARGE_MIN.
 */
#define XLARGE_MIN ((size_t)4 << 20)
void *xmalloc_large(size_t n);
void *xrealloc_large(void *p, size_t used, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NUL-terminated byte buffer; caller-owned. */
struct strbuf {
	char *buf;	/* always NUL-terminated once used */
	size_t len;	/* bytes in use, excluding the NUL */
	size_t cap;	/* bytes allocated */
};

void strbuf_init(struct strbuf *sb);
void strbuf_fini(struct strbuf *sb);	/* frees; sb is reusable after init */
void strbuf_reset(struct strbuf *sb);	/* len = 0, keeps memory */
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hand the buffer to the caller (who frees it) and reset @sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

/*
 * Check that @s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF) without NUL bytes.  Returns -1 when valid,
 * otherwise the byte offset of the first bad byte; *@why (if not NULL) is
 * set to a short reason.
 */
long utf8_check(const char *s, size_t len, const char **why);

/* Number of code points up to byte offset @off (for 1-based columns). */
long utf8_column(const char *s, size_t off);

/* Decode one UTF-8 code point at @s (bytes left @n, at least 1); sets *@k
 * to its length.  Invalid bytes decode as themselves (length 1). */
uint32_t utf8_next(const unsigned char *s, size_t n, int *k);

/*
 * Is code point @c of a script written without spaces between words
 * (Chinese, Japanese, Thai, Lao, Khmer, Burmese) or of Korean (whose
 * words carry their particles: 서울은, "Seoul" + topic marker)?  FTS5's
 * unicode61 tokenizer makes a whole run of such characters one token, so
 * a word of them is found only as that whole run.
 */
bool unicode_unspaced(uint32_t c);

/* Does @s[0..len) hold a code point of unicode_unspaced()? */
bool utf8_has_unspaced(const char *s, size_t len);

/*
 * Is @s[0..len) a blank text: empty, or only white space (Unicode's
 * White_Space: ASCII blanks, U+0085, U+00A0 no-break space, U+1680,
 * U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 ideographic
 * space)?  The one definition of "no text" beside NULL: import counts
 * such texts, embed gives them no vector (none is sent to an endpoint),
 * export and stats count them "without text"; SQL has it as
 * ns_blank(X) (db.c).  Punctuation is text ("?!" is embedded).
 */
bool text_blank(const char *s, size_t len);

/* The first index in [@lo, @n) of the ascending @v[0..@n) whose value is
 * not below @x; @n when there is none (a binary search). */
int64_t ns_lower_bound_i64(const int64_t *v, int64_t lo, int64_t n,
			   int64_t x);

/* 64-bit content hash (XXH3) of @len bytes at @data. */
uint64_t hash64(const void *data, size_t len);

/* Current time as seconds since the epoch with sub-second precision. */
double now_seconds(void);

/* Current UTC time as ISO 8601 "YYYY-MM-DDTHH:MM:SS.mmmZ" into @buf (>= 32). */
char *now_iso8601(char *buf, size_t size);

/* The memory to plan for, in bytes: NEGSIEVE_MEMORY when set (for tests),
 * else the machine's; 0 when unknown. */
double ns_memory(void);

/* Whether @path (followed if a symbolic link) is a file that starts with
 * SQLite's header: a project's database, a shard.  Output paths check it
 * so that a file meant for data is never renamed over a database. */
bool file_is_sqlite(const char *path);

#endif

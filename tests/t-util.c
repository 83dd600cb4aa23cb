/* t-util.c - UTF-8 checks, buffers, hashing, the lower bound, error
 * formatting. */
#include <string.h>

#include "src/err.h"
#include "tests/tap.h"
#include "src/util.h"

int
main(void)
{
	const char *why = NULL;
	struct strbuf sb;
	struct ns_err err;
	char buf[256];

	is_int(utf8_check("plain ascii", 11, NULL), -1, "ASCII is valid");
	is_int(utf8_check("caf\xc3\xa9 \xe4\xb8\xad", 9, NULL), -1,
	       "2- and 3-byte sequences are valid");
	is_int(utf8_check("\xf0\x9f\x98\x80", 4, NULL), -1,
	       "4-byte sequence is valid");
	is_int(utf8_check("ab\xff", 3, &why), 2, "0xFF is invalid at 2");
	is_str(why, "invalid UTF-8 lead byte", "reason for 0xFF");
	is_int(utf8_check("a\xc0\xaf", 3, &why), 1, "overlong 0xC0 rejected");
	is_int(utf8_check("a\xe0\x80\xaf", 4, &why), 1,
	       "overlong 3-byte rejected");
	is_str(why, "invalid UTF-8 sequence", "reason for overlong");
	is_int(utf8_check("\xed\xa0\x80", 3, &why), 0, "surrogate rejected");
	is_int(utf8_check("ab\xc3", 3, &why), 2, "truncated sequence");
	is_str(why, "truncated UTF-8 sequence", "reason for truncation");
	is_int(utf8_check("a\0b", 3, &why), 1, "NUL rejected");
	is_str(why, "NUL byte", "reason for NUL");
	is_int(utf8_column("\xc3\xa9t\xc3\xa9", 5), 4,
	       "column counts code points");
	{
		int k;

		is_int(utf8_next((const unsigned char *)"\xe9\xa6\x96", 3, &k),
		       0x9996, "utf8_next decodes 首");
		is_int(k, 3, "... three bytes");
		is_int(utf8_next((const unsigned char *)"\xe9\xa6", 2, &k),
		       0xe9, "a cut sequence decodes as its first byte");
		is_int(k, 1, "... one byte");
	}
	/* the scripts FTS5's unicode61 cannot split into words */
	ok(utf8_has_unspaced("首都", strlen("首都")), "Chinese is unspaced");
	ok(utf8_has_unspaced("x東京", strlen("x東京")), "... a word with kanji");
	ok(utf8_has_unspaced("ひらがな", strlen("ひらがな")), "... hiragana");
	ok(utf8_has_unspaced("서울", strlen("서울")), "... Hangul");
	ok(utf8_has_unspaced("ภาษาไทย", strlen("ภาษาไทย")), "... Thai");
	ok(!utf8_has_unspaced("café", strlen("café")), "Latin is not");
	ok(!utf8_has_unspaced("القاهرة", strlen("القاهرة")), "... nor Arabic");
	ok(!utf8_has_unspaced("「」。", strlen("「」。")),
	   "... nor CJK punctuation alone");
	ok(!utf8_has_unspaced("ＦＵＬＬ", strlen("ＦＵＬＬ")),
	   "... nor full-width Latin");
	/* blank texts: no text, as NULL is (import, embed, export) */
#define BLANK(s) text_blank(s, sizeof(s) - 1)
	ok(BLANK(""), "the empty text is blank");
	ok(BLANK(" \t\r\n\f\v"), "... ASCII white space");
	ok(BLANK("\xc2\xa0"), "... a no-break space (U+00A0)");
	ok(BLANK(" \xe3\x80\x80 "), "... an ideographic space (U+3000)");
	ok(BLANK("\xe2\x80\xaf\xe2\x80\x83"), "... U+202F, U+2003");
	ok(!BLANK("?!"), "punctuation is a text");
	ok(!BLANK(" a "), "... a letter");
	ok(!BLANK("\xa0"), "a lone byte 0xA0 (no UTF-8) is not a blank");
	ok(!BLANK("\xe2\x80\x8b"), "... nor a zero-width space (U+200B, "
	   "not white space to Unicode)");
	ok(!text_blank(" \0 ", 3), "... nor a NUL byte");
#undef BLANK

	strbuf_init(&sb);
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i % 10);
	is_int((long long)sb.len, 2000, "strbuf grows");
	ok(memcmp(sb.buf, "0,1,2,", 6) == 0, "strbuf content");
	strbuf_fini(&sb);

	ok(hash64("abc", 3) == hash64("abc", 3), "hash is deterministic");
	ok(hash64("abc", 3) != hash64("abd", 3), "hash differs");

	{
		const int64_t v[] = { -5, 2, 2, 2, 7, 9 };
		int bad = 0;

		is_int(ns_lower_bound_i64(v, 0, 6, 2), 1,
		       "lower bound: the first of equal ids");
		is_int(ns_lower_bound_i64(v, 0, 6, 3), 4,
		       "lower bound: an absent id, its place");
		is_int(ns_lower_bound_i64(v, 0, 6, -9), 0, "... before all");
		is_int(ns_lower_bound_i64(v, 0, 6, 10), 6, "... after all: n");
		is_int(ns_lower_bound_i64(v, 2, 6, 2), 2,
		       "... searched from lo");
		is_int(ns_lower_bound_i64(v, 5, 6, 2), 5,
		       "... lo already past it: lo");
		is_int(ns_lower_bound_i64(v, 0, 0, 2), 0, "... empty: 0");
		/* every value and start against a linear scan */
		for (int64_t lo = 0; lo <= 6; lo++)
			for (int64_t x = -6; x <= 10; x++) {
				int64_t want = lo;

				while (want < 6 && v[want] < x)
					want++;
				bad += ns_lower_bound_i64(v, lo, 6, x) != want;
			}
		is_int(bad, 0, "... the linear scan's answer everywhere");
	}

	err_clear(&err);
	err_setpos(&err, NS_EINPUT, "f.jsonl", 3, 7, "bad %s", "thing");
	is_str(err_format(&err, buf, sizeof(buf)), "f.jsonl:3:7: bad thing",
	       "file:line:col format");
	err_setpos(&err, NS_EINPUT, "f.jsonl", 3, 0, "bad");
	is_str(err_format(&err, buf, sizeof(buf)), "f.jsonl:3: bad",
	       "file:line format");
	err_set(&err, NS_EIO, "plain");
	is_str(err_format(&err, buf, sizeof(buf)), "plain", "plain format");
	is_int(err.rc, NS_EIO, "rc kept");
	is_str(err_rcname(NS_EINPUT), "bad input", "rc names");
	return tap_done();
}

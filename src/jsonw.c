/*
 * jsonw.c - JSON text for records of a known shape (see jsonw.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/jsonw.h"

bool
jsonw_str(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	if (utf8_check(s, len, NULL) >= 0)
		return false;
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		/* copy the plain run before @c, then its escape */
		strbuf_add(sb, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			strbuf_add(sb, esc, 6);
			continue;
		}
		strbuf_add(sb, esc, 2);
	}
	strbuf_add(sb, s + run, len - run);
	strbuf_addch(sb, '"');
	return true;
}

void
jsonw_real(struct strbuf *sb, double x)
{
	char buf[40];
	int n = 0;

	for (int p = 15; p <= 17; p++) {
		n = snprintf(buf, sizeof(buf), "%.*g", p, x);
		if (p == 17 || strtod(buf, NULL) == x)
			break;
	}
	strbuf_add(sb, buf, (size_t)n);
	/* "1" would read back as an integer */
	if (!strpbrk(buf, ".e"))
		strbuf_add(sb, ".0", 2);
}

/*
 * jsonw.h - writing JSON text straight into a buffer, for records of a
 * known shape written by the million (negsieve export).  Strings are
 * escaped as JSON requires (quote, backslash, control characters; UTF-8
 * passes through, as Python's json.dumps(ensure_ascii=False) writes it);
 * reals get the fewest digits that read back as the same double.
 * Parsing, and documents of unknown shape, are jansson's job.
 */
#ifndef NS_JSONW_H
#define NS_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#include "src/util.h"

/*
 * Append @s (@len bytes) to @sb as a JSON string, quotes included.
 * Returns false, appending nothing, when @s is not valid UTF-8 or holds a
 * NUL byte (see utf8_check()).
 */
bool jsonw_str(struct strbuf *sb, const char *s, size_t len);

/* Append the finite double @x as a JSON number with a fraction or an
 * exponent ("0.95", "1.0", "1e-05"), the shortest of 15 to 17 significant
 * digits that reads back as @x. */
void jsonw_real(struct strbuf *sb, double x);

#endif

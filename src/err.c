/*
 * err.c - result codes and error records (see err.h).
 */
#include <stdio.h>
#include <string.h>

#include "src/err.h"

void
err_clear(struct ns_err *err)
{
	err->rc = NS_OK;
	err->file[0] = '\0';
	err->line = 0;
	err->col = 0;
	err->msg[0] = '\0';
}

enum ns_rc
err_vsetpos(struct ns_err *err, enum ns_rc rc, const char *file, long line,
	    long col, const char *fmt, va_list ap)
{
	if (!err)
		return rc;
	err->rc = rc;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->col = col;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return rc;
}

enum ns_rc
err_setpos(struct ns_err *err, enum ns_rc rc, const char *file, long line,
	   long col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vsetpos(err, rc, file, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

enum ns_rc
err_set(struct ns_err *err, enum ns_rc rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vsetpos(err, rc, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
err_rcname(enum ns_rc rc)
{
	switch (rc) {
#define NS_RC_CASE(name, code, desc) case name: return desc;
	NS_RC_LIST(NS_RC_CASE)
#undef NS_RC_CASE
	}
	return "unknown error";
}

char *
err_format(const struct ns_err *err, char *buf, size_t size)
{
	if (err->file[0] && err->line > 0 && err->col > 0)
		snprintf(buf, size, "%s:%ld:%ld: %s", err->file, err->line,
			 err->col, err->msg);
	else if (err->file[0] && err->line > 0)
		snprintf(buf, size, "%s:%ld: %s", err->file, err->line,
			 err->msg);
	else if (err->file[0])
		snprintf(buf, size, "%s: %s", err->file, err->msg);
	else
		snprintf(buf, size, "%s", err->msg[0] ? err->msg
						      : err_rcname(err->rc));
	return buf;
}

void
err_print(const struct ns_err *err)
{
	char buf[NS_ERR_MSG_MAX + 600];

	fprintf(stderr, "negsieve: %s\n", err_format(err, buf, sizeof(buf)));
}

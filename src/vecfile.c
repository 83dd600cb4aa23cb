/*
 * vecfile.c - .npy, .fvecs and JSONL vector readers and id lists (see
 * vecfile.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/util.h"
#include "src/linereader.h"
#include "src/vecfile.h"

struct vecfile {
	enum vecfile_format fmt;
	char *path;
	int dim;
	int64_t rows;		/* -1 when unknown */
	int64_t pos;		/* rows (lines for JSONL) consumed */
	/* .npy and .fvecs: the whole file mapped */
	const unsigned char *map;
	size_t len;
	size_t off;		/* next byte to read */
	int half;		/* .npy: float16 elements */
	/* JSONL: plain, gzip or zstd (recognised by content) */
	struct linereader lr;
	bool lr_open;
	json_t *pending;	/* first object, read by open */
	char *xid;		/* id of the row last returned */
	struct ns_err *err;	/* the caller's, during open and next */
};

float
vecfile_half(uint16_t h)
{
	int exp = (h >> 10) & 0x1f;
	int mant = h & 0x3ff;
	float f;

	if (exp == 0)			/* zero and subnormals */
		f = ldexpf((float)mant, -24);
	else if (exp == 31)		/* infinities and NaNs */
		f = mant ? NAN : INFINITY;
	else
		f = ldexpf((float)(mant | 0x400), exp - 25);
	return (h & 0x8000) ? -f : f;
}

static enum ns_rc
vecfile_fail(struct vecfile *vf, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum ns_rc
vecfile_fail(struct vecfile *vf, long line, const char *fmt, ...)
{
	va_list ap;
	enum ns_rc rc;

	va_start(ap, fmt);
	rc = err_vsetpos(vf->err, NS_EINPUT, vf->path, line, 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* --- what a file looks like --------------------------------------------- */

/* The formats read, for messages about a file of another kind. */
#define VECFILE_READ "vectors are read from .npy (float32 or float16), " \
	".fvecs (float32) and JSON lines (any other name)"

/* What the content of a file looks like, judged from its first bytes and
 * its size (see vecfile_looks()). */
enum vecfile_look {
	LOOK_UNKNOWN,
	LOOK_NPY,		/* the magic "\x93NUMPY" */
	LOOK_COMPRESSED,	/* gzip or zstd magic */
	LOOK_JSON,		/* text starting with '{' */
	LOOK_FVECS,		/* int32 d, then rows of 4(d+1) bytes */
	LOOK_IVECS,		/* the same, but row 1 holds int32 values */
	LOOK_BVECS,		/* int32 d, then rows of 4+d bytes */
	LOOK_FBIN,		/* int32 rows, int32 d, then rows*d*4 bytes */
	LOOK_U8BIN,		/* int32 rows, int32 d, then rows*d bytes */
	LOOK_BINARY		/* a NUL byte near the start */
};

/*
 * What a file of @size bytes whose first @n bytes are @b looks like, and
 * in @desc (of @len bytes) a phrase saying so ("a NumPy .npy file").
 * Cheap by design: magic numbers, and the headers of the binary formats
 * checked against the file size, so a random file rarely passes for one.
 * Row 1 of an .fvecs-shaped file counts as int32 values (.ivecs) when
 * every value is a float32 of exponent 0 (a small integer read as a float
 * is one) and not all are zero: real float vectors are not subnormal.
 */
static enum vecfile_look
vecfile_looks(const unsigned char *b, size_t n, uint64_t size, char *desc,
	      size_t len)
{
	int32_t h0 = 0, h1 = 0;

	if (n >= 6 && memcmp(b, "\x93NUMPY", 6) == 0) {
		snprintf(desc, len, "a NumPy .npy file");
		return LOOK_NPY;
	}
	if ((n >= 2 && b[0] == 0x1f && b[1] == 0x8b) ||
	    (n >= 4 && memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0)) {
		snprintf(desc, len, "a %s-compressed file",
			 b[0] == 0x1f ? "gzip" : "zstd");
		return LOOK_COMPRESSED;
	}
	for (size_t i = 0; i < n; i++) {
		if (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' ||
		    b[i] == '\n')
			continue;
		if (b[i] == '{') {
			snprintf(desc, len, "JSON");
			return LOOK_JSON;
		}
		break;
	}
	if (n >= 4)
		memcpy(&h0, b, 4);
	if (n >= 8)
		memcpy(&h1, b + 4, 4);
	if (h0 >= 1 && h0 <= 65536 && size % (4 + 4 * (uint64_t)h0) == 0) {
		size_t m = n < 4 + 4 * (size_t)h0 ? (n - 4) / 4 : (size_t)h0;
		size_t nz = 0, small = 0;

		for (size_t i = 0; i < m; i++) {
			uint32_t v;

			memcpy(&v, b + 4 + 4 * i, 4);
			nz += v != 0;
			small += (v & 0x7f800000u) == 0;
		}
		if (m && nz && small == m) {
			snprintf(desc, len, "an .ivecs file (int32 values, "
				 "%llu rows of dimension %d)",
				 (unsigned long long)(size / (4 + 4 *
							   (uint64_t)h0)),
				 (int)h0);
			return LOOK_IVECS;
		}
		snprintf(desc, len, "an .fvecs file (%llu rows of dimension "
			 "%d)", (unsigned long long)(size / (4 + 4 *
							     (uint64_t)h0)),
			 (int)h0);
		return LOOK_FVECS;
	}
	if (n >= 8 && h0 >= 1 && h1 >= 1 && h1 <= 65536 &&
	    size == 8 + 4 * (uint64_t)h0 * (uint64_t)h1) {
		snprintf(desc, len, "a .fbin or .ibin file (%d rows of "
			 "dimension %d)", (int)h0, (int)h1);
		return LOOK_FBIN;
	}
	if (h0 >= 1 && h0 <= 65536 && size % (4 + (uint64_t)h0) == 0) {
		snprintf(desc, len, "a .bvecs file (uint8 values, %llu rows "
			 "of dimension %d)", (unsigned long long)(size /
							      (4 + (uint64_t)h0)),
			 (int)h0);
		return LOOK_BVECS;
	}
	if (n >= 8 && h0 >= 1 && h1 >= 1 && h1 <= 65536 &&
	    size == 8 + (uint64_t)h0 * (uint64_t)h1) {
		snprintf(desc, len, "a .u8bin or .i8bin file (%d rows of "
			 "dimension %d)", (int)h0, (int)h1);
		return LOOK_U8BIN;
	}
	/* UTF-16 text has NULs too: the line reader names its encoding */
	if (n > 0 && memchr(b, 0, n) && !(n >= 2 && ((b[0] == 0xff && b[1] == 0xfe) ||
					    (b[0] == 0xfe && b[1] == 0xff)))) {
		snprintf(desc, len, "binary data");
		return LOOK_BINARY;
	}
	return LOOK_UNKNOWN;
}

/* --- .npy --------------------------------------------------------------- */

/* Find the value text after the key 'name' in the header dict. */
static const char *
npy_key(const char *hdr, const char *name)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "'%s'", name);
	p = strstr(hdr, pat);
	if (!p) {
		snprintf(pat, sizeof(pat), "\"%s\"", name);
		p = strstr(hdr, pat);
	}
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

static enum ns_rc
npy_parse(struct vecfile *vf)
{
	const unsigned char *m = vf->map;
	size_t hlen, hoff;
	char *hdr, descr[32];
	const char *p;
	long long dims[3];
	int ndims = 0;
	size_t need;
	enum ns_rc rc = NS_OK;

	if (vf->len < 10 || memcmp(m, "\x93NUMPY", 6) != 0) {
		char what[128];

		switch (vecfile_looks(m, vf->len < 4096 ? vf->len : 4096,
				      vf->len, what, sizeof(what))) {
		case LOOK_UNKNOWN:
		case LOOK_BINARY:
			return vecfile_fail(vf, 0, "not a NumPy .npy file "
					    "(no \\x93NUMPY magic); "
					    VECFILE_READ);
		default:
			return vecfile_fail(vf, 0, "not a NumPy .npy file: it "
					    "looks like %s; " VECFILE_READ,
					    what);
		}
	}
	if (m[6] == 1) {
		hlen = (size_t)m[8] | (size_t)m[9] << 8;
		hoff = 10;
	} else if (m[6] == 2 || m[6] == 3) {
		if (vf->len < 12)
			return vecfile_fail(vf, 0, "truncated .npy header");
		hlen = (size_t)m[8] | (size_t)m[9] << 8 |
		       (size_t)m[10] << 16 | (size_t)m[11] << 24;
		hoff = 12;
	} else {
		return vecfile_fail(vf, 0, ".npy format version %d is not "
				    "supported", m[6]);
	}
	if (hoff + hlen > vf->len)
		return vecfile_fail(vf, 0, "truncated .npy header");
	hdr = xstrndup((const char *)m + hoff, hlen);
	vf->off = hoff + hlen;

	p = npy_key(hdr, "descr");
	if (!p || (*p != '\'' && *p != '"') ||
	    !strchr(p + 1, *p) || strchr(p + 1, *p) - p - 1 >= 32) {
		rc = vecfile_fail(vf, 0, "bad .npy header: no 'descr'");
		goto out;
	}
	memcpy(descr, p + 1, (size_t)(strchr(p + 1, *p) - p - 1));
	descr[strchr(p + 1, *p) - p - 1] = '\0';
	p = npy_key(hdr, "fortran_order");
	if (!p) {
		rc = vecfile_fail(vf, 0, "bad .npy header: no "
				  "'fortran_order'");
		goto out;
	}
	if (strncmp(p, "True", 4) == 0) {
		rc = vecfile_fail(vf, 0, "Fortran-order arrays are not "
				  "supported");
		goto out;
	}
	if (strcmp(descr, "<f4") == 0) {
		vf->half = 0;
	} else if (strcmp(descr, "<f2") == 0) {
		vf->half = 1;
	} else {
		rc = vecfile_fail(vf, 0, "dtype '%s' is not supported "
				  "(float32 or float16 only)", descr);
		goto out;
	}
	p = npy_key(hdr, "shape");
	if (!p || *p != '(') {
		rc = vecfile_fail(vf, 0, "bad .npy header: no 'shape'");
		goto out;
	}
	p++;
	for (;;) {
		char *end;

		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		if (ndims == 3 || !isdigit((unsigned char)*p)) {
			ndims = -1;
			break;
		}
		dims[ndims++] = strtoll(p, &end, 10);
		p = end;
		while (*p == ' ' || *p == 'L')
			p++;
		if (*p == ',')
			p++;
	}
	if (ndims != 2) {
		const char *e = strchr(p, ')');
		int len = ndims < 0 || !e ? 0 : (int)(e - npy_key(hdr,
							    "shape")) + 1;

		if (len)
			rc = vecfile_fail(vf, 0, "shape %.*s is not 2-D "
					  "(rows, dimension)", len,
					  npy_key(hdr, "shape"));
		else
			rc = vecfile_fail(vf, 0, "bad .npy header: cannot "
					  "read 'shape'");
		goto out;
	}
	if (dims[1] < 1 || dims[1] > 65536) {
		rc = vecfile_fail(vf, 0, "dimension %lld out of range "
				  "(1..65536)", dims[1]);
		goto out;
	}
	vf->rows = dims[0];
	vf->dim = (int)dims[1];
	need = (size_t)dims[0] * (size_t)dims[1] * (vf->half ? 2 : 4);
	if (vf->len - vf->off < need)
		rc = vecfile_fail(vf, 0, "truncated: %lld x %d values need "
				  "%zu bytes of data, the file has %zu",
				  dims[0], vf->dim, need, vf->len - vf->off);
out:
	free(hdr);
	return rc;
}

static void
npy_row(struct vecfile *vf, float *vec)
{
	const unsigned char *p = vf->map + vf->off;

	if (vf->half) {
		for (int i = 0; i < vf->dim; i++)
			vec[i] = vecfile_half((uint16_t)(p[2 * i] |
							 p[2 * i + 1] << 8));
		vf->off += (size_t)vf->dim * 2;
	} else {
		memcpy(vec, p, (size_t)vf->dim * sizeof(float));
		vf->off += (size_t)vf->dim * sizeof(float);
	}
}

/* --- .fvecs ------------------------------------------------------------- */

static int32_t
fvecs_int(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return v;
}

static enum ns_rc
fvecs_parse(struct vecfile *vf)
{
	enum vecfile_look look;
	char what[128];
	int32_t d;

	if (vf->len == 0) {
		vf->rows = 0;
		vf->dim = 0;
		return vecfile_fail(vf, 0, "empty file");
	}
	if (vf->len < 4)
		return vecfile_fail(vf, 0, "row 1: truncated");
	d = fvecs_int(vf->map);
	/* another kind of file: said so before it fails at a row, or worse,
	 * is read (int32 values pass for tiny floats) */
	look = vecfile_looks(vf->map, vf->len < 4096 ? vf->len : 4096,
			     vf->len, what, sizeof(what));
	if (look == LOOK_IVECS || look == LOOK_FBIN ||
	    ((d < 1 || d > 65536) && look != LOOK_UNKNOWN &&
	     look != LOOK_BINARY))
		return vecfile_fail(vf, 0, "not an .fvecs file: it looks like "
				    "%s; " VECFILE_READ, what);
	if (d < 1 || d > 65536)
		return vecfile_fail(vf, 0, "not an .fvecs file: row 1 would "
				    "have dimension %d (1..65536); "
				    VECFILE_READ, d);
	vf->dim = d;
	vf->rows = (int64_t)(vf->len / (4 + 4 * (size_t)d));
	return NS_OK;
}

static enum ns_rc
fvecs_row(struct vecfile *vf, float *vec)
{
	size_t rowlen = 4 + 4 * (size_t)vf->dim;
	long long row = (long long)vf->pos + 1;
	int32_t d;

	if (vf->len - vf->off < 4)
		return vecfile_fail(vf, 0, "row %lld: truncated", row);
	d = fvecs_int(vf->map + vf->off);
	if (d != vf->dim)
		return vecfile_fail(vf, 0, "row %lld: dimension %d, expected "
				    "%d", row, d, vf->dim);
	if (vf->len - vf->off < rowlen)
		return vecfile_fail(vf, 0, "row %lld: truncated (%zu of %zu "
				    "bytes)", row, vf->len - vf->off, rowlen);
	memcpy(vec, vf->map + vf->off + 4, (size_t)d * sizeof(float));
	vf->off += rowlen;
	return NS_OK;
}

/* --- JSONL -------------------------------------------------------------- */

/* Read the next non-blank line as a JSON object into *@o (NULL at EOF). */
static enum ns_rc
jsonl_read(struct vecfile *vf, json_t **o)
{
	json_error_t je;
	const char *line;
	size_t k;
	enum ns_rc rc;

	*o = NULL;
	for (;;) {
		const char *s;

		rc = linereader_next(&vf->lr, &line, &k, vf->err);
		if (rc == NS_ENOTFOUND)
			return NS_OK;
		if (rc != NS_OK)
			return rc;
		vf->pos = vf->lr.lineno;
		for (s = line; *s && isspace((unsigned char)*s); s++)
			;
		if (*s)
			break;
	}
	*o = json_loadb(line, k, JSON_DECODE_ANY, &je);
	if (!*o)
		return err_setpos(vf->err, NS_EINPUT, vf->path,
				  (long)vf->pos, je.column, "%s", je.text);
	if (!json_is_object(*o)) {
		json_decref(*o);
		*o = NULL;
		return vecfile_fail(vf, (long)vf->pos, "expected a JSON "
				    "object");
	}
	return NS_OK;
}

/* The id of object @o as a new string, or NULL. */
static char *
jsonl_id(json_t *o)
{
	static const char *const keys[] = { "docid", "qid", "id", "_id" };

	for (size_t i = 0; i < NS_ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(o, keys[i]);

		if (json_is_string(v))
			return xstrdup(json_string_value(v));
		if (json_is_integer(v))
			return xasprintf("%lld", (long long)json_integer_value(v));
	}
	return NULL;
}

/* Check object @o and set vf->xid; with @vec, copy its vector. */
static enum ns_rc
jsonl_row(struct vecfile *vf, json_t *o, float *vec)
{
	long line = (long)vf->pos;
	json_t *v;
	size_t n;

	free(vf->xid);
	vf->xid = jsonl_id(o);
	if (!vf->xid)
		return vecfile_fail(vf, line, "no id (expected \"docid\", "
				    "\"qid\" or \"id\")");
	v = json_object_get(o, "vector");
	if (!v)
		return vecfile_fail(vf, line, "id '%s': no \"vector\"",
				    vf->xid);
	if (json_is_null(v))
		return vecfile_fail(vf, line, "id '%s': vector is null",
				    vf->xid);
	if (!json_is_array(v) || json_array_size(v) == 0)
		return vecfile_fail(vf, line, "id '%s': \"vector\" is not an "
				    "array of numbers", vf->xid);
	n = json_array_size(v);
	if (vf->dim == 0) {
		if (n > 65536)
			return vecfile_fail(vf, line, "id '%s': dimension %zu "
					    "out of range (1..65536)",
					    vf->xid, n);
		vf->dim = (int)n;
	}
	if (n != (size_t)vf->dim)
		return vecfile_fail(vf, line, "id '%s': dimension %zu, "
				    "expected %d", vf->xid, n, vf->dim);
	if (!vec)
		return NS_OK;
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_array_get(v, i);

		if (!json_is_number(x))
			return vecfile_fail(vf, line, "id '%s': component %zu "
					    "is not a number", vf->xid, i);
		vec[i] = (float)json_number_value(x);
	}
	return NS_OK;
}

/* A regular file named for JSON lines whose first bytes are those of a
 * binary vector format (or binary at all) is refused saying what it looks
 * like, rather than with a JSON parser's message about its bytes.  Pipes
 * and standard input are not looked at (their bytes could not be read
 * again); compressed files are the line reader's to open. */
static enum ns_rc
jsonl_sniff(struct vecfile *vf)
{
	unsigned char head[4096];
	char what[128];
	struct stat st;
	ssize_t n;
	int fd;

	if (strcmp(vf->path, "-") == 0)
		return NS_OK;
	fd = open(vf->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NS_OK;	/* the line reader says why */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (n = pread(fd, head, sizeof(head), 0)) <= 0) {
		close(fd);
		return NS_OK;
	}
	close(fd);
	switch (vecfile_looks(head, (size_t)n, (uint64_t)st.st_size, what,
			      sizeof(what))) {
	case LOOK_UNKNOWN:
	case LOOK_COMPRESSED:
	case LOOK_JSON:
		return NS_OK;
	default:
		return vecfile_fail(vf, 0, "not JSON lines: it looks like %s; "
				    VECFILE_READ, what);
	}
}

/* --- common ------------------------------------------------------------- */

static int
vecfile_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

enum ns_rc
vecfile_open(const char *path, struct vecfile **out, struct ns_err *err)
{
	struct vecfile *vf = xcalloc(1, sizeof(*vf));
	enum ns_rc rc = NS_OK;

	vf->err = err;
	vf->path = xstrdup(path);
	vf->rows = -1;
	vf->fmt = vecfile_ends(path, ".npy") ? VECFILE_NPY :
		  vecfile_ends(path, ".fvecs") ? VECFILE_FVECS : VECFILE_JSONL;
	/* JSONL is decompressed as it is read; binary files are mapped */
	for (size_t i = 0; i < 4; i++) {
		static const char *const z[] = { ".npy.gz", ".npy.zst",
						 ".fvecs.gz", ".fvecs.zst" };

		if (vecfile_ends(path, z[i])) {
			rc = err_setpos(err, NS_EINPUT, path, 0, 0, "a "
					"compressed %s file: decompress it "
					"first (JSONL vectors may be gzip or "
					"zstd)", i < 2 ? ".npy" : ".fvecs");
			goto out;
		}
	}
	if (vf->fmt == VECFILE_JSONL) {
		if ((rc = jsonl_sniff(vf)))
			goto out;
		if ((rc = linereader_open(&vf->lr, path, 0, err)))
			goto out;
		vf->lr_open = true;
		rc = jsonl_read(vf, &vf->pending);
		if (rc == NS_OK && !vf->pending)
			rc = vecfile_fail(vf, 0, "no vectors");
		if (rc == NS_OK)
			rc = jsonl_row(vf, vf->pending, NULL);
	} else {
		struct stat st;
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || fstat(fd, &st) != 0) {
			rc = err_setpos(err, NS_EIO, path, 0, 0, "cannot "
					"open: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			goto out;
		}
		vf->len = (size_t)st.st_size;
		if (vf->len) {
			void *m = mmap(NULL, vf->len, PROT_READ, MAP_PRIVATE,
				       fd, 0);

			if (m == MAP_FAILED) {
				rc = err_setpos(err, NS_EIO, path, 0, 0,
						"cannot map: %s",
						strerror(errno));
				close(fd);
				goto out;
			}
			vf->map = m;
			madvise(m, vf->len, MADV_SEQUENTIAL);
		}
		close(fd);
		rc = vf->fmt == VECFILE_NPY ? npy_parse(vf) : fvecs_parse(vf);
	}
out:
	vf->err = NULL;
	if (rc != NS_OK) {
		vecfile_close(vf);
		return rc;
	}
	*out = vf;
	return NS_OK;
}

void
vecfile_close(struct vecfile *vf)
{
	if (!vf)
		return;
	if (vf->map)
		munmap((void *)vf->map, vf->len);
	if (vf->lr_open)
		linereader_close(&vf->lr);
	json_decref(vf->pending);
	free(vf->xid);
	free(vf->path);
	free(vf);
}

enum vecfile_format
vecfile_format(const struct vecfile *vf)
{
	return vf->fmt;
}

int
vecfile_dim(const struct vecfile *vf)
{
	return vf->dim;
}

int64_t
vecfile_rows(const struct vecfile *vf)
{
	return vf->rows;
}

bool
vecfile_has_ids(const struct vecfile *vf)
{
	return vf->fmt == VECFILE_JSONL;
}

int64_t
vecfile_pos(const struct vecfile *vf)
{
	return vf->pos;
}

enum ns_rc
vecfile_next(struct vecfile *vf, float *vec, bool *eof, const char **xid,
	     struct ns_err *err)
{
	enum ns_rc rc = NS_OK;

	*eof = false;
	*xid = NULL;
	vf->err = err;
	switch (vf->fmt) {
	case VECFILE_NPY:
		if (vf->pos >= vf->rows) {
			*eof = true;
			break;
		}
		npy_row(vf, vec);
		vf->pos++;
		break;
	case VECFILE_FVECS:
		if (vf->off >= vf->len) {
			*eof = true;
			break;
		}
		rc = fvecs_row(vf, vec);
		if (rc == NS_OK)
			vf->pos++;
		break;
	case VECFILE_JSONL: {
		json_t *o = vf->pending;

		vf->pending = NULL;
		if (!o) {
			rc = jsonl_read(vf, &o);
			if (rc != NS_OK)
				break;
		}
		if (!o) {
			*eof = true;
			break;
		}
		rc = jsonl_row(vf, o, vec);
		json_decref(o);
		if (rc == NS_OK)
			*xid = vf->xid;
		break;
	}
	}
	vf->err = NULL;
	return rc;
}

enum ns_rc
vecfile_read_ids(const char *path, char ***ids, int64_t *n,
		 struct ns_err *err)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, **v = NULL;
	size_t cap = 0;
	int64_t cnt = 0, vcap = 0;
	long lineno = 0, blank = 0;
	ssize_t k;

	if (!fp)
		return err_setpos(err, NS_EIO, path, 0, 0, "cannot open: %s",
				  strerror(errno));
	while ((k = getline(&line, &cap, fp)) >= 0) {
		char *s = line, *e = line + k;

		lineno++;
		/* no id holds a NUL byte: a binary file (a vector file
		 * given in the id list's place), named when it is one */
		if (memchr(line, 0, (size_t)k)) {
			char what[128] = "";
			struct stat sb;

			if (lineno == 1 && fstat(fileno(fp), &sb) == 0 &&
			    vecfile_looks((const unsigned char *)line,
					  (size_t)k, (uint64_t)sb.st_size, what,
					  sizeof(what)) == LOOK_BINARY)
				what[0] = 0;
			err_setpos(err, NS_EINPUT, path, lineno, 0,
				   "binary data (a NUL byte%s%s): an id list "
				   "holds one id per line of text (was a "
				   "vector file given as the ids?)",
				   what[0] ? ": it looks like " : "", what);
			vecfile_ids_free(v, cnt);
			free(line);
			fclose(fp);
			return NS_EINPUT;
		}
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		while (s < e && isspace((unsigned char)*s))
			s++;
		if (s == e) {
			/* blank lines at the end are fine (an editor's or an
			 * echo's extra newline); one before an id is an empty
			 * id, which would shift every row after it */
			if (!blank)
				blank = lineno;
			continue;
		}
		if (blank) {
			err_setpos(err, NS_EINPUT, path, blank, 0,
				   "empty id");
			vecfile_ids_free(v, cnt);
			free(line);
			fclose(fp);
			return NS_EINPUT;
		}
		if (cnt == vcap) {
			vcap = vcap ? vcap * 2 : 1024;
			v = xrealloc(v, (size_t)vcap * sizeof(*v));
		}
		v[cnt++] = xstrndup(s, (size_t)(e - s));
	}
	free(line);
	if (ferror(fp)) {
		fclose(fp);
		vecfile_ids_free(v, cnt);
		return err_setpos(err, NS_EIO, path, 0, 0, "read error");
	}
	fclose(fp);
	/* an empty list is an array too: callers tell a file with an id
	 * list from JSONL by a non-NULL array */
	*ids = v ? v : xmalloc(sizeof(*v));
	*n = cnt;
	return NS_OK;
}

void
vecfile_ids_free(char **ids, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

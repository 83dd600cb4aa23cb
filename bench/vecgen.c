/*
 * vecgen.c - clustered unit vectors for the mining benchmarks, in the
 * layout of ../shared/tools/make_vectors.c: DIR/passages.npy, queries.npy
 * (float32, C order), passages.ids, queries.ids and a BEIR directory
 * DIR/beir whose ids match (query qI's positive is passage pI mod NB).
 *
 *   bench/vecgen DIR NB NQ DIM CLUSTERS [SIGMA [SEED]]
 *   bench/vecgen --raw DIR NB NQ DIM CLUSTERS [SIGMA [SEED]]
 *
 * --raw writes instead the files of a project's vector sets (see
 * src/vecstore.h): DIR/passage.f32 and query.f32 (rows only) and
 * passage.ids and query.ids (int64 ids 1..n), for a benchmark to move
 * into a project without a copy (bench/limit.sh big: 31 GB once, not
 * three times as importing would take on the way).
 *
 * Each vector is one of CLUSTERS random centres (unit length) plus noise
 * of SIGMA per coordinate times 1/sqrt(DIM) (default 1: noise as long as
 * the centre), normalised.  Written in one pass with large buffers, so a
 * corpus larger than memory (20M x 384, 31 GB) is cheap to make.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Approximately normal: the sum of four uniforms, scaled to unit
 * variance (cheap; the shape of the tails does not matter here). */
static float
normal(void)
{
	uint64_t a = next(), b = next();
	double s = (double)(a >> 32) + (double)(a & 0xffffffffu) +
		   (double)(b >> 32) + (double)(b & 0xffffffffu);

	return (float)((s / 4294967296.0 - 2.0) * 1.7320508075688772);
}

static FILE *
open_or_die(const char *dir, const char *name)
{
	char p[4096];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (!(fp = fopen(p, "wb"))) {
		perror(p);
		exit(1);
	}
	return fp;
}

static int raw;

static void
npy(const char *dir, const char *name, long n, int d, const float *cent,
    int nc, double sigma)
{
	FILE *f = open_or_die(dir, name);
	char h[128];
	int len = snprintf(h, sizeof(h), "{'descr': '<f4', 'fortran_order': "
			   "False, 'shape': (%ld, %d), }", n, d);
	int pad = 63 - (len + 10) % 64;
	unsigned short hl;
	size_t rows = 4096, fill = 0;
	float *buf = malloc(rows * (size_t)d * sizeof(float));
	double sd = sigma / sqrt((double)d);

	memset(h + len, ' ', (size_t)pad);
	h[len + pad] = '\n';
	len += pad + 1;
	hl = (unsigned short)len;
	if (!raw) {
		fwrite("\x93NUMPY\x01\x00", 1, 8, f);
		fwrite(&hl, 2, 1, f);
		fwrite(h, 1, (size_t)len, f);
	}
	for (long i = 0; i < n; i++) {
		const float *c = cent + (size_t)(next() % (uint64_t)nc) * d;
		float *v = buf + fill * d;
		double nn = 0;

		for (int j = 0; j < d; j++) {
			v[j] = (float)(c[j] + sd * normal());
			nn += (double)v[j] * v[j];
		}
		nn = 1 / sqrt(nn);
		for (int j = 0; j < d; j++)
			v[j] = (float)(v[j] * nn);
		if (++fill == rows) {
			fwrite(buf, sizeof(float), fill * d, f);
			fill = 0;
		}
	}
	fwrite(buf, sizeof(float), fill * d, f);
	free(buf);
	if (fclose(f) != 0) {
		perror(name);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	const char *o;
	long nb, nq;
	int d, nc;
	double sigma = 1;
	float *cent;
	char p[4096];
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "--raw")) {
		raw = 1;
		argv++;
		argc--;
	}
	if (argc < 6 || argc > 8) {
		fprintf(stderr, "usage: vecgen DIR NB NQ DIM CLUSTERS [SIGMA "
			"[SEED]]\n");
		return 2;
	}
	o = argv[1];
	nb = atol(argv[2]);
	nq = atol(argv[3]);
	d = atoi(argv[4]);
	nc = atoi(argv[5]);
	if (argc > 6)
		sigma = atof(argv[6]);
	if (argc > 7)
		rng ^= strtoull(argv[7], NULL, 10) * 0xd1342543de82ef95ULL;
	cent = malloc((size_t)nc * d * sizeof(float));
	for (int i = 0; i < nc; i++) {
		double nn = 0;

		for (int j = 0; j < d; j++) {
			cent[i * d + j] = normal();
			nn += (double)cent[i * d + j] * cent[i * d + j];
		}
		for (int j = 0; j < d; j++)
			cent[i * d + j] = (float)(cent[i * d + j] / sqrt(nn));
	}
	mkdir(o, 0755);
	if (raw) {
		npy(o, "passage.f32", nb, d, cent, nc, sigma);
		npy(o, "query.f32", nq, d, cent, nc, sigma);
		f = open_or_die(o, "passage.ids");
		for (int64_t i = 1; i <= nb; i++)
			fwrite(&i, sizeof(i), 1, f);
		fclose(f);
		f = open_or_die(o, "query.ids");
		for (int64_t i = 1; i <= nq; i++)
			fwrite(&i, sizeof(i), 1, f);
		fclose(f);
		free(cent);
		return 0;
	}
	npy(o, "passages.npy", nb, d, cent, nc, sigma);
	npy(o, "queries.npy", nq, d, cent, nc, sigma);
	f = open_or_die(o, "passages.ids");
	for (long i = 0; i < nb; i++)
		fprintf(f, "p%ld\n", i);
	fclose(f);
	f = open_or_die(o, "queries.ids");
	for (long i = 0; i < nq; i++)
		fprintf(f, "q%ld\n", i);
	fclose(f);
	snprintf(p, sizeof(p), "%s/beir", o);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/beir/qrels", o);
	mkdir(p, 0755);
	f = open_or_die(o, "beir/corpus.jsonl");
	for (long i = 0; i < nb; i++)
		fprintf(f, "{\"_id\": \"p%ld\", \"title\": \"\", \"text\": "
			"\"passage %ld\"}\n", i, i);
	fclose(f);
	f = open_or_die(o, "beir/queries.jsonl");
	for (long i = 0; i < nq; i++)
		fprintf(f, "{\"_id\": \"q%ld\", \"text\": \"query %ld\"}\n", i,
			i);
	fclose(f);
	f = open_or_die(o, "beir/qrels/train.tsv");
	fprintf(f, "query-id\tcorpus-id\tscore\n");
	for (long i = 0; i < nq; i++)
		fprintf(f, "q%ld\tp%ld\t1\n", i, i % nb);
	fclose(f);
	free(cent);
	return 0;
}

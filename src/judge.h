/*
 * judge.h - the LLM judge's words: the prompt template (built in, or the
 * user's) filled in for one candidate, and the verdict read back from the
 * model's answer.  No I/O here; src/scorer_judge.c sends the prompts.
 *
 * A template is text with placeholders {{query}}, {{positives}},
 * {{candidate}} (title and text), {{title}} and {{text}}; it must show
 * the query and the candidate.  The answer asked for is one line of JSON,
 * {"relevant": true|false, "confidence": 0..1}; see judge_verdict() for
 * what else is understood.
 */
#ifndef NS_JUDGE_H
#define NS_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "src/err.h"
#include "src/scorer.h"
#include "src/util.h"

/* The built-in template (static). */
const char *judge_prompt_default(void);

struct judge_prompt;

/*
 * Parse template @text; @name (a file name or a config key) and the line
 * and column of the offending placeholder go into a message for an
 * unknown placeholder, a "{{" without "}}" or a template that never shows
 * the query or the candidate (NS_ECONFIG).  On success *@out owns a new
 * template (judge_prompt_free()).
 */
enum ns_rc judge_prompt_parse(const char *text, const char *name,
			      struct judge_prompt **out, struct ns_err *err);
void judge_prompt_free(struct judge_prompt *p);

/*
 * Append the prompt for @req to @out.  @max_chars > 0 cuts each text (the
 * query, every positive, the candidate's title and text) to that many
 * characters, marking the cut with " [...]".
 */
void judge_prompt_render(const struct judge_prompt *p,
			 const struct scorer_req *req, long max_chars,
			 struct strbuf *out);

/*
 * Read a verdict from @answer (the model's text).  Understood, in order:
 * reasoning in <think>...</think> is skipped; the first JSON object with a
 * "relevant" member (true/false, 1/0 or "yes"/"no"/"true"/"false"/
 * "relevant"/"not relevant"), with an optional "confidence" (0..1, or a
 * percentage 0..100, or a string such as "85%"), anywhere in the text
 * (code fences and prose around it are ignored); else an answer whose
 * first word is yes/no/true/false/relevant/irrelevant (case and
 * decoration such as ** or quotes ignored), confidence 1.
 * On success *@score = P(relevant): the confidence when relevant, one
 * minus it when not, and true is returned; otherwise false with the
 * reason in @why.
 */
bool judge_verdict(const char *answer, double *score, char *why,
		   size_t whysize);

#endif

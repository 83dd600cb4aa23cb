#!/bin/sh
# tui-search.sh - review's / over text FTS5 does not split into words:
# Chinese and Japanese (no spaces) and Korean (particles attached) are
# matched inside the text, so a word found on the screen is found by /;
# mine --method bm25 says that BM25 finds little for such queries.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"

# four BGE rows: each query's positive is a negative of the others
bj='北京是中华人民共和国的首都，也是全国的政治、文化中心。'
tk='東京は日本の首都であり、世界最大級の都市圏を形成している。'
se='서울은 대한민국의 수도이다. 한강이 도시를 가로지른다.'
sh_='上海是中国最大的城市之一，位于长江入海口。'
os='大阪は日本第二の都市圏の中心である。絵文字😀テスト🎉 100%_天然'
fw='ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ　ａｎｄ　combining é ñ ü'
row() {	# QUERY POSITIVE NEGATIVE...
	q=$1 p=$2; shift 2
	printf '{"query": "%s", "pos": ["%s"], "neg": [' "$q" "$p"
	sep=
	for n in "$@"; do printf '%s"%s"' "$sep" "$n"; sep=', '; done
	printf ']}\n'
}
{
	row '中国的首都是哪里？' "$bj" "$tk" "$se" "$sh_" "$os" "$fw"
	row '日本の首都はどこですか' "$tk" "$bj" "$se" "$sh_" "$os" "$fw"
	row '한국의 수도는?' "$se" "$bj" "$tk" "$sh_" "$os" "$fw"
	row '中国最大的城市' "$sh_" "$bj" "$tk" "$se" "$os" "$fw"
} >"$T/cjk.jsonl"
P=$T/cjk
"$NEGSIEVE" init "$P" >/dev/null
run "$NEGSIEVE" import "$P" "$T/cjk.jsonl"
is "$rc" 0 "the CJK rows import"

flat() { screen "$1" | tr '\n' ' ' | tr -s ' '; }

export NEGSIEVE_REVIEW_SIZE=120x35
review_keys "$P" / "text:首都" Enter dump n dump n dump N dump q
is_in "$(flat 1)" "/首都: 1 here and in a positive, 4 queries" "a Chinese word inside a run of text is found (query, positive and candidates)"
is_in "$(screen 1)" "Q h:" "... on the first query"
is_in "$(screen 1)" "> /        1       -      - -         #2 東京は日本の首都であり" "... its candidate holding the word is marked and selected"
ok "... the candidates without it are not marked" sh -c "! printf '%s' \"\$1\" | grep -q ' /  *[2-5]  '" - "$(screen 1)"
is_in "$(screen 2)" "Q h:7069f5f7fbc6ae92: 日本の首都はどこですか" "n: the next query with the word"
is_in "$(screen 2)" "> /        1       -      - -         #1 北京是中华人民共和国的首都" "... its first hit selected"
is_in "$(screen 4)" "Q h:7069f5f7fbc6ae92" "N goes back"

# Korean: spaces between words, particles attached (서울은 = 서울 + 은)
review_keys "$P" / "text:서울" Enter dump q
is_in "$(flat 1)" "/서울: 1 here, 4 queries" "a Korean word without its particle is found (in the Korean query's positive too)"
# in the query text only: the query counts, no candidate is marked
review_keys "$P" / "text:哪里" Enter dump q
is_in "$(flat 1)" "/哪里: 0 here, 1 query" "a word of the query text alone: one query, no candidate"
# every word must match: one matched inside, one whole (FTS5)
review_keys "$P" / "text:首都 東京" Enter dump / "text:都市圏 combining" Enter dump / "text:天然 100" Enter dump q
is_in "$(flat 1)" "/首都 東京: 1 here, 4 queries" "two words inside the text: both must be in the same text"
is_in "$(flat 2)" "Not found: 都市圏 combining" "a word inside and a whole word: both in one text, or nothing"
is_in "$(flat 3)" "/天然 100: 1 here, 4 queries" "... found when one text has both"
# LIKE's wildcards in the input stand for themselves
review_keys "$P" / "text:首%都" Enter dump / "text:首_" Enter dump / "text:%_天然" Enter dump q
is_in "$(flat 1)" "Not found: 首%都" "% is not a wildcard"
is_in "$(flat 2)" "Not found: 首_" "_ is not a wildcard"
is_in "$(flat 3)" "/%_天然: 1 here, 4 queries" "... and %_ is found as typed"
# whole words of other scripts are searched as before
review_keys "$P" / "text:combining" Enter dump / "text:comb" Enter dump q
is_in "$(flat 1)" "/combining: 1 here, 4 queries" "a Latin word is matched whole, as before"
is_in "$(flat 2)" "Not found: comb" "... and not inside a longer word"

# text imported without the index (--no-fts): words inside the text read
# the text itself, so they find it and the stale note does not apply
S=$T/nofts
"$NEGSIEVE" init "$S" >/dev/null
"$NEGSIEVE" import --no-fts "$S" "$T/cjk.jsonl" >/dev/null
review_keys "$S" / "text:首都" Enter dump q
is_in "$(flat 1)" "/首都: 1 here and in a positive, 4 queries" "a stale full-text index: words inside the text are still found"
ok "... with no stale note" sh -c "! printf '%s' \"\$1\" | grep -q stale" - "$(flat 1)"

# a corpus larger than what was mined: the search reads the candidates'
# passages only, and finds the same
B=$T/big
cp -r "$P" "$B"
i=0
while [ $i -lt 40 ]; do
	printf 'x%d\t首都 not a candidate %d\n' $i $i
	i=$((i + 1))
done >"$T/coll.tsv"
"$NEGSIEVE" import "$B" --corpus "$T/coll.tsv" >/dev/null
is "$(db "$B" "SELECT (SELECT max(id) FROM passage) > (SELECT max(id) FROM candidate)")" 1 "the corpus outnumbers the candidates"
review_keys "$B" / "text:首都" Enter dump / "text:서울" Enter dump q
is_in "$(flat 1)" "/首都: 1 here and in a positive, 4 queries" "more passages than candidates: the same queries found"
is_in "$(flat 2)" "/서울: 1 here, 4 queries" "... for another word too"

# / searches what the screen shows: the query, its positives (the +
# line under it) and its candidates; a word found in a positive alone
# was "Not found" (explore7, finding 7), whole (FTS5) or inside the text
Q=$T/pos
"$NEGSIEVE" init "$Q" >/dev/null
{ printf '{"query": "What is the capital of France?", "pos": ["Paris is the capital and largest city of France."], "neg": ["Berlin is a city in Germany.", "Madrid is in Spain."]}\n'
  printf '{"query": "한국의 수도는?", "pos": ["%s"], "neg": ["Berlin is a city in Germany."]}\n' "$se"
  printf '{"query": "日本の首都はどこですか", "pos": ["%s"], "neg": ["Madrid is in Spain."]}\n' "$tk"
} >"$T/pos.jsonl"
"$NEGSIEVE" import "$Q" "$T/pos.jsonl" >/dev/null
review_keys "$Q" j / "text:Paris" Enter dump / "text:largest" Enter dump / "text:서울" Enter dump / "text:東京は" Enter dump / "text:Paris Berlin" Enter dump q
is_in "$(flat 1)" "/Paris: 0 here and in a positive, 1 query" "a whole word of a positive alone is found"
is_in "$(flat 1)" "Q h:" "... its query shown"
is_in "$(screen 1)" "+ #1: Paris is the capital" "... with the positive holding it"
is_in "$(flat 2)" "/largest: 0 here and in a positive, 1 query" "... another one"
is_in "$(flat 3)" "/서울: 0 here and in a positive, 1 query" "a Korean word inside a positive's text"
is_in "$(screen 3)" "한국의 수도는?" "... its query shown"
is_in "$(flat 4)" "/東京は: 0 here and in a positive, 1 query" "a Japanese word inside a positive's text"
is_in "$(screen 4)" "日本の首都はどこですか" "... its query shown"
is_in "$(flat 5)" "Not found: Paris Berlin" "every word in one text still: a positive's and a candidate's do not add up"
# a corpus larger than what was mined: the positives' texts are read too
i=0
while [ $i -lt 40 ]; do
	printf 'y%d\tnot a candidate %d\n' $i $i
	i=$((i + 1))
done >"$T/coll2.tsv"
"$NEGSIEVE" import "$Q" --corpus "$T/coll2.tsv" >/dev/null
review_keys "$Q" / "text:서울" Enter dump q
is_in "$(flat 1)" "/서울: 0 here and in a positive, 1 query" "more passages than candidates: a positive's word inside its text is found"

# mine --method bm25 says how little BM25 finds for such queries
run "$NEGSIEVE" mine --method bm25 "$P"
is "$rc" 0 "mine --method bm25 runs on CJK queries"
is_in "$out" "search bm25: 4 queries (100.00%) are in Chinese, Japanese, Korean, Thai, Lao, Khmer or Burmese script: FTS5 takes a whole run of their letters as one term, so BM25 finds little for them; mine them with --method dense" "... and says BM25 finds little for them"
E=$T/en
"$NEGSIEVE" init "$E" >/dev/null
printf '{"query": "what is tmux", "pos": ["tmux is a terminal multiplexer"], "neg": ["vim is an editor", "screen is a terminal multiplexer"]}\n' >"$T/en.jsonl"
"$NEGSIEVE" import "$E" "$T/en.jsonl" >/dev/null
run "$NEGSIEVE" mine --method bm25 "$E"
ok "no such line for English queries" sh -c "! printf '%s' \"\$1\" | grep -q 'script:'" - "$out"

# the man page says both
ok "negsieve(1): review's / matches such words inside the text" grep -q "script is matched inside the text instead" "$top_srcdir/man/negsieve.1"
ok "negsieve(1): / searches the positives too" grep -q "text of one positive or of one candidate" "$top_srcdir/man/negsieve.1"
ok "negsieve(1): mine --method bm25 counts such queries" grep -q "line counting such queries" "$top_srcdir/man/negsieve.1"
done_testing

#!/bin/sh
# cli-review-screen.sh - what the review screen says when it cannot show
# everything, headless: a terminal too small while a prompt is open (keys
# still go to the prompt, and the message says how to leave it), and a
# locale that is not UTF-8 (text that is not ASCII is '?', said once on
# the status line, with no blank for the Unicode isolates it cannot
# encode).
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"
flat() { tr '\n' ' ' | tr -s ' '; }
P=$T/p
mkproj "$P"

# 1. too small with the note prompt open
review_keys "$P" c "text:abc" "resize:40x10" dump "text:q" dump "resize:80x24" dump Esc dump q
is "$rc" 0 "exit 0"
is_in "$(screen 1 | flat)" "Terminal too small: 40x10. negsieve review needs at least 60x15; enlarge the window (Esc closes the prompt below, then q quits)." "too small with a prompt open: the message says Esc closes it first"
is_in "$(screen 1 | tail -1)" "note: abc" "... and the prompt is on the last row"
is_in "$(screen 2 | tail -1)" "note: abcq" "q goes to the prompt, as the message says"
is_in "$(screen 3)" "note: abcq" "enlarged: the prompt is still open"
is_in "$(screen 4)" "Cancelled." "Esc closes it"
is "$(db "$P" "SELECT count(*) FROM decision")" 0 "no note saved"
review_keys "$P" "resize:40x10" dump q
is "$rc" 0 "without a prompt: q quits"
is_in "$(screen 1 | flat)" "enlarge the window (q quits)." "... as the message says"
# the question of D, as small as it gets
review_keys "$P" D "resize:30x5" dump Esc "resize:80x24" dump q
is_in "$(screen 1 | flat)" "Too small (30x5): needs 60x15. Esc, then q quits." "the short message with a prompt open"
is_in "$(screen 2)" "Not dropped." "Esc answers the question: not dropped"
is "$(db "$P" "SELECT count(*) FROM decision")" 0 "nothing written"

# 2. LC_ALL=C: Arabic as '?', no blank for the isolates, said once
(export LC_ALL=C; review_keys "$P" dump ":" "text:q3" Enter dump j dump ":" "text:q2" Enter dump q)
loc="The terminal's locale (C) is not UTF-8: text that is not ASCII shows as '?' (set LC_ALL or LANG to a UTF-8 locale, e.g. C.UTF-8)."
case "$(screen 1 | flat)" in *"is not UTF-8"*) said=yes ;; *) said=no ;; esac
is "$said" no "C locale, English text: nothing to say"
is_in "$(screen 2)" "Q q3: ?? ?? ????? ?? ???????" "C locale: the Arabic query is '?', one blank after the id, none for the isolates"
is_in "$(screen 2 | grep ' p9 ')" " p9 ????? ?? ?????????? ?????" "... and its candidate row"
is_in "$(screen 2 | flat)" "Query q3. $loc" "the status line says why, once"
case "$(screen 3 | flat)$(screen 4 | flat)" in *"is not UTF-8"*) said=yes ;; *) said=no ;; esac
is "$said" no "... and not again (Japanese as '?' too)"
is_in "$(screen 4)" "Q q2: ???????" "Japanese as '?'"
review_keys "$P" ":" "text:q3" Enter dump q
is_in "$(screen 1)" "Q q3: ${fsi:=$(printf '\342\201\250')}" "C.UTF-8: the isolate is there, on the blank's cell"
case "$(screen 1 | flat)" in *"is not UTF-8"*) said=yes ;; *) said=no ;; esac
is "$said" no "C.UTF-8: nothing to say"
done_testing

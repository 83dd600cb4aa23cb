#!/bin/sh
# cli-perm.sh - one permission rule for everything in a project (the
# project directory's bits; files & 0664, directories & 02775), under
# umask 022, 002 and 077, with and without `init --group`, when the files
# are made by someone with another umask; a clear message for whoever
# cannot write; the annotator is the OS user unless the project allows
# --annotator.  Parts that need a second OS user run when the test runs as
# root (setpriv to nobody), and are skipped otherwise.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/review-lib.sh"
command -v sqlite3 >/dev/null || skip_all "no sqlite3"

chmod 755 "$T"		# other users may reach the projects below
for i in $(seq 1 40); do
	printf '{"query": "question %d about topic%d", "pos": ["answer %d on topic%d words"], "neg": ["other %d text", "more %d stuff here", "unrelated %d thing"]}\n' \
		"$i" "$i" "$i" "$i" "$i" "$i" "$i"
done >"$T/d.jsonl"
chmod 644 "$T/d.jsonl"

# mode_of PATH: octal permission bits (with setgid) of PATH
mode_of() { stat -c %a "$1"; }

# bad_modes DIR DMODE FMODE: the files and directories under DIR whose
# mode is not DMODE (directories) or FMODE (files), one per line
bad_modes() {
	find "$1" -mindepth 1 \( -type d ! -perm "$2" -printf 'dir %m %p\n' \) -o \
		\( -type f ! -perm "$3" -printf 'file %m %p\n' \)
}

# work P: import, embed, mine (an IVF index file), as the current umask
work() {
	"$NEGSIEVE" import "$1" "$T/d.jsonl" >/dev/null &&
	"$NEGSIEVE" embed "$1" >/dev/null &&
	"$NEGSIEVE" mine --index IVF4,Flat "$1" >/dev/null 2>&1
}

# review_held P UMASK: a scripted review under UMASK that waits (reading
# its keys from a FIFO) while its WAL and shared-memory files exist; sets
# $walmode and $shmmode from that moment, then decides one item and quits
review_held() {
	rm -f "$T/fifo"
	mkfifo "$T/fifo"
	(umask "$2" && NEGSIEVE_REVIEW_SCRIPT="$T/fifo" exec "$NEGSIEVE" \
		review "$1" >"$T/rv.out" 2>&1) &
	_pid=$!
	_i=0
	while [ ! -e "$1/negsieve.db-shm" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	walmode=$(mode_of "$1/negsieve.db-wal" 2>/dev/null)
	shmmode=$(mode_of "$1/negsieve.db-shm" 2>/dev/null)
	printf 'x\nq\n' >"$T/fifo"
	wait $_pid
}

# --- without a group: the umask decides, less write for others ---------
for u in 022 002 077; do
	P=$T/p$u
	run sh -c "umask $u && '$NEGSIEVE' init '$P'"
	dm=$(printf '%o' $((0777 & ~0$u & ~02)))
	fm=$(printf '%o' $((0$dm & 0664)))
	is "$(mode_of "$P")" "$dm" "umask $u: project directory $dm"
	case $u in
	002) is "$out" "created project $P (schema version $(sqlite3 "$P/negsieve.db" 'PRAGMA user_version'))" \
		"umask 002: init says nothing more" ;;
	*) is_in "$out" "only you can write it; to share it with a group, create it with --group GROUP" \
		"umask $u: init says who can write" ;;
	esac
	(umask $u && work "$P")
	ok "umask $u: import, embed, mine" test $? = 0
	review_held "$P" $u
	is "$walmode $shmmode" "$fm $fm" "umask $u: WAL and shm files $fm"
	is "$(bad_modes "$P" "$dm" "$fm")" "" \
		"umask $u: every directory $dm, every file $fm (db, vectors/, index, review.log)"
	ok "umask $u: review.log made" test -f "$P/review.log"
	ok "umask $u: an index file made" sh -c "ls '$P'/index-*.faiss"
done

# --- the defect: a group member with umask 022 writes where the project
# owner (umask 002) shares; vectors/ and review.log used to follow the
# member's umask and lock the others out
P=$T/shared
(umask 002 && "$NEGSIEVE" init "$P" >/dev/null)
(umask 022 && work "$P")
review_held "$P" 022
is "$walmode $shmmode" "664 664" "a umask-022 user's WAL and shm in a 775 project: 664"
is "$(bad_modes "$P" 775 664)" "" "a umask-022 user's files in a 775 project: 664, directories 775"

# --- init --group ---------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
	G=$(getent group users | cut -d: -f1)
else
	G=$(id -Gn | tr ' ' '\n' | sed -n 2p)
	[ -n "$G" ] || G=$(id -gn)
fi
if [ -n "$G" ]; then
	for u in 022 002 077; do
		P=$T/g$u
		run sh -c "umask $u && '$NEGSIEVE' init --group '$G' '$P'"
		is "$rc" 0 "umask $u: init --group $G"
		is_in "$out" "usermod -aG $G NAME" "umask $u: init says how to add people to $G"
		dm=$(printf '%o' $((02770 | (0777 & ~0$u & 05))))
		fm=$(printf '%o' $((0$dm & 0664)))
		is "$(stat -c '%a %G' "$P")" "$dm $G" "umask $u: directory $dm, group $G, setgid"
		is "$(stat -c '%a %G' "$P/negsieve.db")" "$fm $G" "umask $u: database $fm, group $G"
		# a member whose umask is 077 works in it
		(umask 077 && work "$P")
		review_held "$P" 077
		is "$walmode $shmmode" "$fm $fm" "umask $u project, umask 077 member: WAL and shm $fm"
		is "$(bad_modes "$P" "$dm" "$fm")" "" \
			"umask $u project, umask 077 member: every directory $dm, every file $fm"
		is "$(find "$P" ! -group "$G" | wc -l)" 0 "umask $u: everything belongs to $G"
	done
	ok "nothing world-writable anywhere" test -z "$(find "$T"/p* "$T"/g* "$T/shared" -perm -o+w)"
else
	ok "# SKIP no group to share with" true
fi

run "$NEGSIEVE" init --group no-such-group-ns "$T/nogroup"
is "$rc" 2 "init --group with an unknown group: usage error"
is "$err" "negsieve: --group no-such-group-ns: no such group (create it with 'groupadd no-such-group-ns' as root)" \
	"unknown group: message"
ok "unknown group: nothing created" test ! -e "$T/nogroup"
run "$NEGSIEVE" init "$T/no/such/dir"
is "$rc" 4 "init under a missing directory: I/O error status"
is "$err" "negsieve: $T/no/such/dir: cannot create the project directory: No such file or directory" \
	"init under a missing directory: message"
: >"$T/afile"
run "$NEGSIEVE" init "$T/afile"
is "$rc" 4 "init on a file: I/O error status"
is "$err" "negsieve: $T/afile: not a directory" "init on a file: message"
run "$NEGSIEVE" init --group "${G:-root}" "$T/p022"
is "$rc" 2 "init --group on an existing project refused"
is "$(mode_of "$T/p022")" 755 "... and its directory left alone"

# --- who cannot write gets a clear message --------------------------------
me=$(id -un)
P=$T/p022
if [ "$(id -u)" != 0 ]; then
	chmod 444 "$P/negsieve.db"
	run "$NEGSIEVE" import "$P" "$T/d.jsonl"
	is "$rc" 4 "read-only database: I/O error status"
	is "$err" "negsieve: $P: $me cannot write this project: $P/negsieve.db is -r--r--r-- (owner $me, group $(id -gn)); give yourself write permission back with 'chmod u+w $P/negsieve.db'" \
		"read-only database: message"
	chmod 644 "$P/negsieve.db"
elif command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	mkdir "$T/nb" && chown nobody "$T/nb"
	run as_nobody "$NEGSIEVE" init --group users "$T/nb/p"
	is "$rc" 2 "init --group of a group one is not in: usage error"
	is "$err" "negsieve: $T/nb/p: cannot give the project to group users: Operation not permitted (you must be a member of the group)" \
		"init --group of a group one is not in: message"
	ok "init --group of a group one is not in: nothing created" test ! -e "$T/nb/p"
	run as_nobody "$NEGSIEVE" import "$P" "$T/d.jsonl"
	is "$rc" 4 "another user, project not shared: I/O error status"
	is "$err" "negsieve: $P: nobody cannot write this project: $P is drwxr-xr-x (owner root, group root), not shared for writing; its owner can share it with a group (see 'negsieve init --group' in negsieve(1))" \
		"another user, project not shared: message"
	mkproj "$T/rv"
	chgrp -R users "$T/rv" && chmod 2775 "$T/rv" && chmod 664 "$T/rv/negsieve.db"
	: >"$T/keys"
	echo f >>"$T/keys"
	echo q >>"$T/keys"
	chmod 644 "$T/keys"
	run as_nobody env NEGSIEVE_REVIEW_SCRIPT="$T/keys" "$NEGSIEVE" review "$T/rv"
	is "$rc" 4 "review by a user outside the group: I/O error status, no crash"
	is "$err" "negsieve: $T/rv: nobody cannot write this project: $T/rv is drwxrwsr-x (owner root, group users) and nobody is not in group users; ask an administrator to run 'usermod -aG users nobody', then log in again" \
		"review by a user outside the group: message"
	run setpriv --reuid=nobody --regid=nogroup --groups=users \
		env NEGSIEVE_REVIEW_SCRIPT="$T/keys" "$NEGSIEVE" review "$T/rv"
	is "$rc" 0 "review by a member of the group"
	is "$(db "$T/rv" "SELECT a.name || ':' || d.action FROM decision d JOIN annotator a ON a.id = d.annotator_id")" \
		"nobody:fn" "the member's decision recorded under their login name"
	is "$(bad_modes "$T/rv" 2775 664)" "" "the member's files (review.log) follow the project"
else
	ok "# SKIP no setpriv or no user nobody" true
fi

# --- the annotator is the OS user -----------------------------------------
P=$T/ann
mkproj "$P"
printf 'x\nq\n' >"$T/k2"
run env NEGSIEVE_REVIEW_SCRIPT="$T/k2" "$NEGSIEVE" review --annotator alice "$P"
is "$rc" 2 "--annotator another name: refused"
is "$err" "negsieve: review: --annotator alice: decisions are recorded under your login name ($me); this project does not allow another (review.allow_annotator_override in its configuration)
Try 'negsieve review --help'." "--annotator refused: message"
is "$(db "$P" "SELECT count(*) FROM decision")" 0 "refused: nothing recorded"
run env NEGSIEVE_REVIEW_SCRIPT="$T/k2" "$NEGSIEVE" review --annotator "$me" "$P"
is "$rc" 0 "--annotator with one's own name is fine"
printf 'review:\n  allow_annotator_override: true\n' >"$T/allow.yaml"
P=$T/ann2
mkproj "$P" "$T/allow.yaml"
run env NEGSIEVE_REVIEW_SCRIPT="$T/k2" "$NEGSIEVE" review --annotator alice "$P"
is "$rc" 0 "--annotator allowed by review.allow_annotator_override"
is "$(db "$P" "SELECT a.name || ':' || d.action FROM decision d JOIN annotator a ON a.id = d.annotator_id")" \
	"alice:tn" "decision recorded as alice"
run "$NEGSIEVE" review --annotator "" "$P"
is "$rc" 2 "--annotator '' is a usage error"
done_testing

/*
 * perm.c - the permission rule of a project (see perm.h).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/perm.h"
#include "src/util.h"

mode_t
perm_mode(const char *projdir, bool dir)
{
	struct stat st;

	if (stat(projdir, &st) != 0)
		return dir ? 0770 : 0660;
	return dir ? (st.st_mode & 02775) : (st.st_mode & 0664);
}

int
perm_fd(const char *projdir, int fd)
{
	return fchmod(fd, perm_mode(projdir, false));
}

int
perm_path(const char *projdir, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	return chmod(path, perm_mode(projdir, S_ISDIR(st.st_mode)));
}

int
perm_mkdir(const char *projdir, const char *path)
{
	if (mkdir(path, 0700) != 0)
		return errno == EEXIST ? 0 : -1;
	return chmod(path, perm_mode(projdir, true));
}

/* The group @name (a name or a number) into *@gid; false when unknown. */
static bool
perm_group_id(const char *name, gid_t *gid)
{
	struct group *gr = getgrnam(name);
	char *end;
	long v;

	if (gr) {
		*gid = gr->gr_gid;
		return true;
	}
	errno = 0;
	v = strtol(name, &end, 10);
	if (*name && !*end && !errno && v >= 0 && getgrgid((gid_t)v)) {
		*gid = (gid_t)v;
		return true;
	}
	return false;
}

enum ns_rc
perm_make_project_dir(const char *dir, const char *group, bool *made_out,
		      struct ns_err *err)
{
	mode_t um = umask(0), mode;
	struct stat st;
	gid_t gid = 0;
	bool made = false;
	enum ns_rc rc = NS_OK;

	umask(um);
	if (group && !perm_group_id(group, &gid))
		return err_set(err, NS_EUSAGE, "--group %s: no such group "
			       "(create it with 'groupadd %s' as root)", group,
			       group);
	if (mkdir(dir, 0700) == 0) {
		made = true;
		mode = 0777 & ~um;
	} else if (errno != EEXIST) {
		return err_set(err, NS_EIO, "%s: cannot create the project "
			       "directory: %s", dir, strerror(errno));
	} else if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		return err_set(err, NS_EIO, "%s: not a directory", dir);
	} else {
		mode = st.st_mode & 07777;	/* the owner's choice */
	}
	mode &= ~(mode_t)0002;
	if (group)
		mode |= 02070;
	if (stat(dir, &st) != 0)
		rc = err_set(err, NS_EIO, "%s: %s", dir, strerror(errno));
	else if (group && st.st_gid != gid && chown(dir, (uid_t)-1, gid) != 0)
		rc = err_set(err, NS_EUSAGE, "%s: cannot give the project to "
			     "group %s: %s (you must be a member of the group)",
			     dir, group, strerror(errno));
	else if (chmod(dir, mode) != 0)
		rc = err_set(err, NS_EIO, "%s: cannot set its permissions: %s",
			     dir, strerror(errno));
	if (rc != NS_OK && made) {
		rmdir(dir);	/* nothing is left of a failed init */
		made = false;
	}
	if (made_out)
		*made_out = made;
	return rc;
}

/* Is the caller a member of group @gid? */
static bool
perm_in_group(gid_t gid)
{
	gid_t *gs;
	int n;
	bool in = getegid() == gid || getgid() == gid;

	n = getgroups(0, NULL);
	if (in || n <= 0)
		return in;
	gs = xcalloc((size_t)n, sizeof(*gs));
	n = getgroups(n, gs);
	for (int i = 0; i < n; i++)
		in = in || gs[i] == gid;
	free(gs);
	return in;
}

/* "-rw-rw----" for @mode into @buf (>= 11 bytes). */
static const char *
perm_mode_text(mode_t mode, char *buf)
{
	static const char rwx[] = "rwxrwxrwx";

	buf[0] = S_ISDIR(mode) ? 'd' : '-';
	for (int i = 0; i < 9; i++)
		buf[i + 1] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & S_ISGID)
		buf[6] = buf[6] == 'x' ? 's' : 'S';
	buf[10] = '\0';
	return buf;
}

/* Why @path (not writable by us) is not, and what would help. */
static enum ns_rc
perm_refuse(const char *dir, const char *path, struct ns_err *err)
{
	struct stat st;
	struct passwd *pw;
	struct group *gr;
	char mtext[12], user[64], owner[64], group[64];

	pw = getpwuid(getuid());
	snprintf(user, sizeof(user), "%s", pw ? pw->pw_name : "you");
	if (stat(path, &st) != 0)
		return err_set(err, NS_EIO, "%s: %s", path, strerror(errno));
	pw = getpwuid(st.st_uid);
	if (pw)
		snprintf(owner, sizeof(owner), "%s", pw->pw_name);
	else
		snprintf(owner, sizeof(owner), "%ld", (long)st.st_uid);
	gr = getgrgid(st.st_gid);
	if (gr)
		snprintf(group, sizeof(group), "%s", gr->gr_name);
	else
		snprintf(group, sizeof(group), "%ld", (long)st.st_gid);
	perm_mode_text(st.st_mode, mtext);
	if (st.st_uid == getuid())
		return err_set(err, NS_EIO, "%s: %s cannot write this project: "
			       "%s is %s (owner %s, group %s); give yourself "
			       "write permission back with 'chmod u+w %s'", dir,
			       user, path, mtext, owner, group, path);
	if (!(st.st_mode & 0020))
		return err_set(err, NS_EIO, "%s: %s cannot write this project: "
			       "%s is %s (owner %s, group %s), not shared for "
			       "writing; its owner can share it with a group "
			       "(see 'negsieve init --group' in negsieve(1))",
			       dir, user, path, mtext, owner, group);
	if (!perm_in_group(st.st_gid))
		return err_set(err, NS_EIO, "%s: %s cannot write this project: "
			       "%s is %s (owner %s, group %s) and %s is not in "
			       "group %s; ask an administrator to run "
			       "'usermod -aG %s %s', then log in again", dir,
			       user, path, mtext, owner, group, user, group,
			       group, user);
	return err_set(err, NS_EIO, "%s: %s cannot write this project: %s is "
		       "%s (owner %s, group %s)", dir, user, path, mtext, owner,
		       group);
}

enum ns_rc
perm_check_writable(const char *dir, const char *dbpath, struct ns_err *err)
{
	static const char *const side[] = { "-wal", "-shm" };

	if (access(dir, W_OK | X_OK) != 0)
		return perm_refuse(dir, dir, err);
	if (access(dbpath, W_OK) != 0)
		return perm_refuse(dir, dbpath, err);
	for (size_t i = 0; i < NS_ARRAY_SIZE(side); i++) {
		char *p = xasprintf("%s%s", dbpath, side[i]);
		enum ns_rc rc = NS_OK;

		struct stat st;

		/* another session may be creating it this instant: SQLite
		 * opens it under the umask and then gives it the database's
		 * mode; an empty one gets a moment to be given it */
		for (int tries = 0; tries < 100 && access(p, W_OK) != 0 &&
		     stat(p, &st) == 0 && st.st_size == 0; tries++)
			usleep(1000);
		if (access(p, F_OK) == 0 && access(p, W_OK) != 0)
			rc = perm_refuse(dir, p, err);
		free(p);
		if (rc != NS_OK)
			return rc;
	}
	return NS_OK;
}

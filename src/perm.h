/*
 * perm.h - the permission rule of a project.
 *
 * A project is shared through its directory's group.  The project
 * directory's permission bits are the project's one sharing policy, and
 * every file or directory negsieve makes inside it (the database, and
 * through SQLite its -wal and -shm files, vectors/, vector files, spools,
 * faiss indexes, review.log) copies them, whatever the umask of whoever
 * runs negsieve:
 *
 *   directories  the project directory's bits & 02775 (setgid kept)
 *   files        the project directory's bits & 0664
 *
 * so nothing is ever world-writable, and a group that may write the
 * project directory may write every file in it.  `init` creates the
 * project directory with 0777 & ~umask & ~0002 (the umask decides, except
 * that others never get write), or with `--group G` owned by group G,
 * setgid, and group read/write/search added (02770 | what the umask lets
 * others have, less write).
 */
#ifndef NS_PERM_H
#define NS_PERM_H

#include <stdbool.h>
#include <sys/types.h>

#include "src/err.h"

/* The mode of a new directory (@dir true) or file in the project at
 * @projdir under the rule above; 0770 / 0660 if @projdir cannot be read. */
mode_t perm_mode(const char *projdir, bool dir);

/* Give the open file @fd the mode of a new file of @projdir.  0 or -1
 * with errno. */
int perm_fd(const char *projdir, int fd);

/* Give @path (a file or directory inside @projdir) its mode under the
 * rule.  0 or -1 with errno. */
int perm_path(const char *projdir, const char *path);

/* Make the directory @path inside @projdir with its mode under the rule;
 * an existing directory is left alone.  0 or -1 with errno. */
int perm_mkdir(const char *projdir, const char *path);

/*
 * Make the project directory @dir for `init`: a new one gets mode 0777 &
 * ~umask, an existing one (empty of a project) keeps its mode; either
 * loses write for others, and with @group (a group name or number; NULL:
 * none) it is given to that group, setgid and group-writable (| 02070).
 * *@made (may be NULL) says whether it was made here.  On failure @err
 * says why (an unknown group, or one the caller does not belong to, is
 * NS_EUSAGE), and a directory made here is removed again.
 */
enum ns_rc perm_make_project_dir(const char *dir, const char *group,
				 bool *made, struct ns_err *err);

/*
 * Can the caller write the project at @dir (its directory and database
 * @dbpath)?  NS_OK, or NS_EIO with a message naming the file, its mode,
 * owner and group, the caller, and how to get access.
 */
enum ns_rc perm_check_writable(const char *dir, const char *dbpath,
			       struct ns_err *err);

#endif

#!/bin/sh
# tests/master_links.sh (make check): master links none of the code only
# the compartments run.  scripts/master-lines.sh follows master's
# symbols through the built objects; none of these files may be among
# those it reaches: the codecs of messages master neither sends nor
# receives (master's are in privsep/ipc_master.c, its channels decode
# with ipc_codecs_master), the full codec table, and the sandbox entry,
# the seccomp filter builder and the seccomp lists (master runs only
# privsep/sandbox_shared.c of them).  A stray call from master into one
# of them links it in again, and fails here.
set -eu
srcdir=${srcdir:-.}
files=$(sh "$srcdir/scripts/master-lines.sh" -v . "$srcdir" |
    awk 'NF == 2 { print $2 }')
[ -n "$files" ] || { echo "master-lines.sh listed nothing" >&2; exit 1; }
status=0
for f in privsep/ipc_msgs.c privsep/ipc_check.c privsep/ipc_codec.c \
    privsep/ipc_relay.c privsep/ipc_keys.c privsep/ipc_admin.c \
    privsep/ipc_auth.c privsep/sandbox.c privsep/seccomp.c \
    privsep/seccomp_lists.c privsep/worker.c; do
	if printf '%s\n' "$files" | grep -qx "$f"; then
		echo "master links $f, which only the compartments run" >&2
		status=1
	fi
done
# and what master does run of them is there
for f in privsep/ipc_master.c privsep/sandbox_shared.c; do
	printf '%s\n' "$files" | grep -qx "$f" ||
	    { echo "master does not link $f" >&2; status=1; }
done
exit $status

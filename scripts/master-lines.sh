#!/bin/sh
# master-lines.sh BUILDDIR SRCDIR: the physical lines of the code the
# daemon's master runs as root, computed from the built objects.
#
# Start from master/*.o (main.c only dispatches to the roles: its lines
# count, its references to the compartments' mains do not), follow every
# undefined symbol to the object of this tree that defines it, and sum
# the lines of the .c files reached and of the headers beside them.
# Libraries outside the tree (libc, libevent, OpenSSL, libseccomp) are
# not counted.  Printed: master/ itself, the conf/ files it calls, the
# shared files (IPC, logging, sandbox, lib/), and the sum.  "-v" lists
# every file first.  "make master-lines" runs it on the build.
set -eu
verbose=0
[ "${1:-}" = "-v" ] && { verbose=1; shift; }
b=${1:-build}; s=${2:-.}
pool=$(cd "$b" && find . -name '*.o' ! -path './tests/*' ! -path './tools/*' \
    ! -name bulkdrop.o | sed 's|^\./||' | sort)
defs=$(cd "$b" && for o in $pool; do
	nm --defined-only "$o" | awk -v o="$o" '$2 ~ /^[TDBRVWG]$/ {print $3, o}'
done | sort -u -k1,1)
todo=$(cd "$b" && ls master/*.o | grep -v '^master/main\.o$')
seen=""
while [ -n "$todo" ]; do
	next=""
	for o in $todo; do
		case " $seen " in *" $o "*) continue ;; esac
		seen="$seen $o"
		syms=$(cd "$b" && nm --undefined-only "$o" | awk '{print $2}' | sort -u)
		for o2 in $(printf '%s\n' "$defs" | awk -v l="$(echo $syms)" '
		    BEGIN { n = split(l, a, " "); for (i = 1; i <= n; i++) w[a[i]] = 1 }
		    ($1 in w) { print $2 }' | sort -u); do
			case " $seen " in *" $o2 "*) ;; *) next="$next $o2" ;; esac
		done
	done
	todo=$next
done
for o in $seen master/main.o; do
	for f in "$s/${o%.o}.c" "$s/${o%.o}.h"; do
		[ -f "$f" ] && printf '%d %s\n' "$(wc -l <"$f")" "${f#$s/}"
	done
done | sort -k2 | awk -v verbose=$verbose '
	{ part = "other"
	  if ($2 ~ /^master\//) part = "master/"
	  else if ($2 ~ /^conf\//) part = "conf/"
	  n[part] += $1; f[part]++; total += $1
	  if (verbose) printf "%6d %s\n", $1, $2 }
	END {
	  printf "%6d lines in %d files of master/ (its own logic)\n",
	      n["master/"], f["master/"]
	  printf "%6d lines in %d files of conf/ it calls (main.cf, " \
	      "master.cf, checks)\n", n["conf/"], f["conf/"]
	  printf "%6d lines in %d shared files (IPC codec, log, sandbox, " \
	      "lib/)\n", n["other"], f["other"]
	  printf "%6d lines of this tree linked into the root master\n",
	      total }'

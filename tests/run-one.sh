#!/bin/sh
# Automake test driver shim: a fuzz harness gets its corpus.  The files
# are passed one by one, which both the replayer (standalone_main.c) and a
# libFuzzer binary (--enable-fuzzing) run once each.
prog=$1
shift
case $(basename "$prog") in
fuzz_*)
	name=$(basename "$prog" | sed 's/^fuzz_//')
	corpus=$(dirname "$0")/fuzz/corpus/$name
	[ -d "$corpus" ] || { echo "$corpus: no corpus" >&2; exit 1; }
	exec "$prog" "$corpus"/* "$@"
	;;
*)
	exec "$prog" "$@"
	;;
esac

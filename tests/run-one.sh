#!/bin/sh
# Automake test driver shim: a fuzz replayer gets its corpus directory.
prog=$1
shift
case $(basename "$prog") in
replay_*)
	name=$(basename "$prog" | sed 's/^replay_//')
	exec "$prog" "$(dirname "$0")/fuzz/corpus/$name" "$@"
	;;
*)
	exec "$prog" "$@"
	;;
esac

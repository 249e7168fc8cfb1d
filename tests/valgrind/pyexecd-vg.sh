#!/bin/sh
# pyexecd under memcheck, for the end-to-end tests: PYEXECD=<this> makes
# tests/e2e start every daemon through it (`make test-valgrind`).
#
#   PYEXECD_REAL   the daemon binary (default build/pyexecd beside this repo)
#   PYEXEC_VG_DIR  where the logs go (default build/valgrind, as in the Makefile):
#                  vg.<pid>.log per daemon start (tests that clear PYEXEC_* get the default)
#   PYEXEC_VG_ARGS extra valgrind options (e.g. --track-origins=yes)
#
# One log per daemon start, opened here in append mode and handed to
# valgrind as --log-fd: the supervisor, the front and the spawner (fork
# children, which valgrind follows) and every jail child write to it up to
# the exec of python3 (not followed: --trace-children=no).  Not
# --log-file=...%p: a jail child is pid 1 of its own pid namespace, so all
# of them would truncate the same vg.1.log.  Lines carry their writer's
# pid (==1== for a jail child, ==2== for its short RLIMIT_NOFILE helper,
# src/jail/rlimit.c); tests/valgrind/check-logs.py reads them.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$(dirname "$here")")
real=${PYEXECD_REAL:-$repo/build/pyexecd}
dir=${PYEXEC_VG_DIR:-$repo/build/valgrind}
mkdir -p "$dir"

# $$ stays the daemon's pid: exec below keeps it for valgrind, then pyexecd.
exec 9>>"$dir/vg.$$.log"
# --vgdb=no: vgdb's FIFOs would go in /tmp, which the spawner covers with a tmpfs
# of its own mount namespace (src/jail/mnt.c), so they could not be removed at exit.
# shellcheck disable=SC2086
exec valgrind --tool=memcheck --log-fd=9 \
	--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--error-exitcode=97 --num-callers=30 --trace-children=no --vgdb=no \
	--suppressions="$here/pyexec.supp" ${PYEXEC_VG_ARGS:-} \
	"$real" "$@"

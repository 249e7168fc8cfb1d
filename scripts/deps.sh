#!/bin/sh
# Installs everything pyexec needs to build, run and test, from Debian's
# apt repositories only.  Used by `make deps` (and so by `make run` and
# `make test`) and by the Dockerfile's build and runtime stages.
#
#   scripts/deps.sh [build|runtime|test|all]     (default: all)
#
# It is idempotent and quiet when everything is already installed, so the
# Makefile can call it on every run.
set -eu

want=${1:-all}

runtime_pkgs="python3 python3-numpy python3-pandas python3-scipy libmicrohttpd12 libjansson4 libseccomp2 libpython3.11"
build_pkgs="gcc make pkg-config libc6-dev libmicrohttpd-dev libjansson-dev libseccomp-dev libpython3.11-dev libpython3-dev python3"
test_pkgs="python3-pytest python3-requests perl curl procps clang llvm libclang-rt-14-dev valgrind qemu-system-x86 busybox-static"

case "$want" in
runtime) pkgs="$runtime_pkgs" ;;
build) pkgs="$build_pkgs" ;;
test) pkgs="$runtime_pkgs $build_pkgs $test_pkgs" ;;
all) pkgs="$runtime_pkgs $build_pkgs $test_pkgs" ;;
*) echo "usage: $0 [build|runtime|test|all]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install)" >&2
	exit 1
fi

echo "deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

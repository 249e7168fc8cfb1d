#!/bin/busybox sh
# PID 1 of the pyexec test VM.  tests/vm/run-vm.sh copies this file into the
# initramfs as /init, next to a static busybox, the kernel modules listed in
# /modules/order and /vm.conf (OUT=<host path of the read-write share>).
#
# It mounts the host's "/" (9p tag hostroot, read-only) on /newroot, the
# read-write share (tag hostout) at its host path inside it, fresh proc, sys,
# cgroup2 (the only cgroup hierarchy: the kernel runs with cgroup_no_v1=all),
# devtmpfs and tmpfs for /tmp, /run and /dev/shm; then moves /newroot onto / and runs
# $OUT/cmd.sh in it with the host's bash, and prints
#     PYEXEC_VM_EXIT=<exit code>
# on the console (ttyS0), which run-vm.sh parses, before powering off.
# Anything that goes wrong before the command starts is reported as
#     PYEXEC_VM_ERROR=<reason>
# and means "no VM to test in", not a test failure.

export PATH=/bin
/bin/busybox --install -s /bin

error() {
	echo "PYEXEC_VM_ERROR=$*"
	poweroff -f
	exit 1
}

mount -t proc proc /proc || error "cannot mount /proc"
mount -t sysfs sysfs /sys || error "cannot mount /sys"
mount -t devtmpfs devtmpfs /dev || error "cannot mount /dev"

. /vm.conf || error "no /vm.conf in the initramfs"

while read -r mod; do
	[ -n "$mod" ] || continue
	insmod "/modules/$mod" || error "insmod $mod failed"
done </modules/order

R=/newroot
mkdir -p $R
# cache=loose: the host tree does not change under a test run, and caching
# its metadata and pages is what makes imports from it bearable.
mount -t 9p -o "ro,trans=virtio,version=9p2000.L,cache=loose,msize=$MSIZE" hostroot $R ||
	error "cannot mount the host's / over 9p"
[ -d "$R$OUT" ] || error "$OUT not found in the host share"

mount -t proc -o nosuid,nodev,noexec proc $R/proc || error "cannot mount proc in the new root"
mount -t sysfs -o nosuid,nodev,noexec sysfs $R/sys || error "cannot mount sysfs in the new root"
# The options systemd uses, so the daemon meets the v2 setup of a real host.
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 $R/sys/fs/cgroup ||
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 $R/sys/fs/cgroup ||
	error "cannot mount cgroup2"
mount -t devtmpfs -o nosuid devtmpfs $R/dev || error "cannot mount devtmpfs in the new root"
mkdir -p $R/dev/pts $R/dev/shm
# What udev would add: bash's process substitution needs /dev/fd.
ln -s /proc/self/fd $R/dev/fd
ln -s /proc/self/fd/0 $R/dev/stdin
ln -s /proc/self/fd/1 $R/dev/stdout
ln -s /proc/self/fd/2 $R/dev/stderr
mount -t devpts -o nosuid,noexec,newinstance,ptmxmode=0666 devpts $R/dev/pts || error "cannot mount devpts"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs $R/dev/shm || error "cannot mount /dev/shm"
# A fresh /tmp would hide a repository checked out under the host's /tmp
# (and the output share inside it): then keep the host's (read-only) one and
# let the guest's scratch files go to the output share instead.
case "$OUT" in
/tmp/*) GUEST_TMP="$OUT/tmp" ;;
*)
	mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs $R/tmp || error "cannot mount /tmp"
	GUEST_TMP=/tmp
	;;
esac
mount -t 9p -o "trans=virtio,version=9p2000.L,cache=none,msize=$MSIZE" hostout "$R$OUT" ||
	error "cannot mount the output share on $OUT"

mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs $R/run || error "cannot mount /run"
ip link set lo up || error "cannot bring up lo"
hostname pyexec-vm

# As switch_root does: the new root is moved onto "/" and the command is
# chrooted into it, so that it is the root of its mount namespace, not a
# plain chroot (where the kernel refuses CLONE_NEWUSER, and so the jail).
# This shell keeps the initramfs as its own root, busybox and poweroff with it.
cd $R || error "cannot enter $R"
mount --move . / || error "cannot move the new root onto /"

read -r uptime _ </proc/uptime
echo "PYEXEC_VM_START uptime=${uptime}s kernel=$(uname -r)"

chroot . /usr/bin/env -i \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 TERM=dumb PYTHONDONTWRITEBYTECODE=1 \
	PYEXEC_VM=1 PYEXEC_VM_OUT="$OUT" PYEXEC_VM_TMP="$GUEST_TMP" TMPDIR="$GUEST_TMP" \
	/bin/bash "$OUT/cmd.sh" </dev/null
rc=$?

read -r uptime _ </proc/uptime
echo "PYEXEC_VM_EXIT=$rc uptime=${uptime}s"
sync
poweroff -f

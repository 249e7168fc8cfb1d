#!/bin/bash
# Runs one command as root inside a throw-away qemu VM whose kernel has only
# cgroup v2 (cgroup_no_v1=all), and exits with that command's exit code.
#
#   tests/vm/run-vm.sh COMMAND [ARG...]
#   e.g. tests/vm/run-vm.sh cat /sys/fs/cgroup/cgroup.controllers
#        tests/vm/run-vm.sh tests/vm/guest-tests.sh build/pyexecd
#
# The guest sees the host's whole "/" read-only over virtio-9p (so the
# host's own Python, libraries and build/ are there), with fresh proc, sys,
# dev, cgroup2 on /sys/fs/cgroup and tmpfs on /tmp and /run.  COMMAND runs
# under the host's /bin/bash with the repository root as working directory,
# stdin from /dev/null, $PYEXEC_VM=1, and $PYEXEC_VM_OUT naming a directory
# that is shared read-write (build/vm/run.XXXXXX on the host, same path in
# the guest) for logs and results.  The guest's console goes to
# $PYEXEC_VM_OUT/console.log; what the command prints is also shown here.
#
# The guest kernel is Debian's linux-image-amd64 (its versioned dependency),
# fetched with `apt-get download` and unpacked with `dpkg -x` under build/vm/
# once (it is never installed on the host); the initramfs is a static busybox
# (busybox-static) plus the few modules 9p needs, rebuilt for every run.
# Emulation is plain TCG: a nested KVM boot was seen to stall on these hosts.
#
# Exit status: the command's own; 124 when the run hit PYEXEC_VM_TIMEOUT;
# 1 when the guest stopped without reporting one; 77 when no VM could be
# started at all (qemu missing, kernel not to be had, boot failure or boot
# timeout), with the reason on stderr and in build/vm/unavailable.
#
# Environment: PYEXEC_VM_TIMEOUT (whole run, s, default 600),
# PYEXEC_VM_BOOT_TIMEOUT (until the command starts, s, default 180),
# PYEXEC_VM_MEM (MiB, 2048), PYEXEC_VM_SMP (2), PYEXEC_VM_CPU (qemu -cpu
# model, max), PYEXEC_VM_DIR (cache and run directories, build/vm),
# PYEXEC_VM_KERNEL_PKG (a linux-image-* package; default: what
# linux-image-amd64 depends on, or the one already unpacked),
# PYEXEC_VM_QUIET=1 (do not echo the guest's output), PYEXEC_VM_QEMU (the qemu
# binary, qemu-system-x86_64).
# shellcheck disable=SC2317 # cleanup runs from a trap
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
vmdir=${PYEXEC_VM_DIR:-$repo/build/vm}
timeout_s=${PYEXEC_VM_TIMEOUT:-600}
boot_timeout_s=${PYEXEC_VM_BOOT_TIMEOUT:-180}
mem=${PYEXEC_VM_MEM:-2048}
smp=${PYEXEC_VM_SMP:-2}
cpu=${PYEXEC_VM_CPU:-max}
quiet=${PYEXEC_VM_QUIET:-0}
msize=512000
qemu=${PYEXEC_VM_QEMU:-qemu-system-x86_64}

if [ $# -eq 0 ]; then
	sed -n '2,/^set -uo/{/^set -uo/d;/shellcheck/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
fi

log() { echo "run-vm: $*" >&2; }

mkdir -p "$vmdir" || exit 1
vmdir=$(cd "$vmdir" && pwd)
rm -f "$vmdir/unavailable"

# No VM to test in: not the command's failure.
unavailable() {
	log "cannot run the VM: $*"
	echo "$*" >"$vmdir/unavailable"
	exit 77
}

# --- the guest kernel: Debian's package, unpacked under build/vm/kernel ---

kernel_pkg() {
	local pkg
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq >/dev/null 2>&1
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	fi
	echo "$pkg"
}

# Prints the root of an unpacked kernel package, fetching it if need be;
# on failure the reason is in $vmdir/kernel.err.
kfail() {
	log "$*"
	echo "$*" >"$vmdir/kernel.err"
	return 1
}
fetch_kernel() {
	local pkg=${PYEXEC_VM_KERNEL_PKG:-} dir deb tmp
	if [ -z "$pkg" ]; then
		# Any kernel unpacked before will do: no network on every run.
		for dir in "$vmdir"/kernel/linux-image-*; do
			if [ -e "$dir/.complete" ]; then
				echo "$dir"
				return 0
			fi
		done
		pkg=$(kernel_pkg)
		[ -n "$pkg" ] || { kfail "apt-cache knows no linux-image-amd64 (apt-get update?)"; return; }
	fi
	dir=$vmdir/kernel/$pkg
	if [ -e "$dir/.complete" ]; then
		echo "$dir"
		return 0
	fi
	mkdir -p "$vmdir/debs" "$vmdir/kernel" || return 1
	rm -f "$vmdir/debs/${pkg}"_*.deb
	log "fetching $pkg with apt-get download (once)"
	if ! (cd "$vmdir/debs" && apt-get download -q "$pkg" >download.log 2>&1); then
		if [ "$(id -u)" -eq 0 ]; then
			apt-get update -qq >/dev/null 2>&1
			(cd "$vmdir/debs" && apt-get download -q "$pkg" >download.log 2>&1) || {
				kfail "apt-get download $pkg failed: $(tail -n 1 "$vmdir/debs/download.log")"
				return
			}
		else
			kfail "apt-get download $pkg failed: $(tail -n 1 "$vmdir/debs/download.log")"
			return
		fi
	fi
	deb=$(find "$vmdir/debs" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
	[ -n "$deb" ] || { kfail "apt-get download left no .deb for $pkg"; return; }
	tmp=$dir.tmp
	rm -rf "$tmp" "$dir"
	log "unpacking $(basename "$deb") with dpkg -x"
	dpkg -x "$deb" "$tmp" || { rm -rf "$tmp"; kfail "dpkg -x $(basename "$deb") failed"; return; }
	touch "$tmp/.complete"
	mv "$tmp" "$dir" || return 1
	rm -f "$deb"
	echo "$dir"
}

# --- the initramfs: static busybox, 9p modules, init, vm.conf ---

# A static busybox: the host's (busybox-static), else one fetched like the kernel.
find_busybox() {
	local b dir
	for b in /bin/busybox /usr/bin/busybox; do
		if [ -x "$b" ] && ! readelf -l "$b" 2>/dev/null | grep -q 'program interpreter'; then
			echo "$b"
			return 0
		fi
	done
	dir=$vmdir/busybox-static
	if [ ! -x "$dir/bin/busybox" ]; then
		log "no static busybox on the host; fetching busybox-static with apt-get download"
		mkdir -p "$vmdir/debs"
		(cd "$vmdir/debs" && rm -f busybox-static_*.deb && apt-get download -q busybox-static >/dev/null 2>&1) ||
			return 1
		rm -rf "$dir"
		dpkg -x "$vmdir"/debs/busybox-static_*.deb "$dir" || return 1
		rm -f "$vmdir"/debs/busybox-static_*.deb
	fi
	echo "$dir/bin/busybox"
}

# Module name -> its .ko under $moddir (names use - and _ interchangeably).
declare -A ko_of=() builtin_mod=()
index_modules() {
	local f n
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%.ko}
		builtin_mod[${n//-/_}]=1
	done <"$moddir/modules.builtin"
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%.ko}
		ko_of[${n//-/_}]=$f
	done < <(find "$moddir/kernel" -name '*.ko')
}

# Appends module $1 to $order after its dependencies (from .modinfo depends=).
declare -A seen_mod=()
order=()
add_module() {
	local name=${1//-/_} f deps d
	[ -n "${seen_mod[$name]:-}" ] && return 0
	seen_mod[$name]=1
	[ -n "${builtin_mod[$name]:-}" ] && return 0 # built into the kernel
	f=${ko_of[$name]:-}
	[ -n "$f" ] || { log "kernel module $1 not found under $moddir"; return 1; }
	deps=$(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | head -n 1)
	for d in ${deps//,/ }; do
		add_module "$d" || return 1
	done
	order+=("$f")
}

build_initramfs() {
	local out=$1 busybox=$2 root f
	root=$rundir/initramfs
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,newroot,modules} || return 1
	cp "$busybox" "$root/bin/busybox" || return 1
	cp "$here/guest-init.sh" "$root/init" && chmod 755 "$root/init" || return 1
	index_modules
	for f in virtio_pci 9pnet_virtio 9p; do
		add_module "$f" || return 1
	done
	: >"$root/modules/order"
	for f in "${order[@]}"; do
		cp "$f" "$root/modules/" || return 1
		basename "$f" >>"$root/modules/order"
	done
	printf 'OUT=%q\nMSIZE=%q\n' "$rundir" "$msize" >"$root/vm.conf"
	(cd "$root" && find . | sort | busybox_cpio) >"$out" || return 1
}
busybox_cpio() { "$busybox" cpio -o -H newc 2>/dev/null; }

# --- preflight: everything whose absence means "no VM", not "test failed" ---

command -v "$qemu" >/dev/null 2>&1 || unavailable "$qemu not installed (apt-get install qemu-system-x86)"
command -v dpkg >/dev/null 2>&1 || unavailable "dpkg not found"
busybox=$(find_busybox) || unavailable "no static busybox (apt-get install busybox-static)"
rm -f "$vmdir/kernel.err"
kroot=$(fetch_kernel) ||
	unavailable "no guest kernel: $(cat "$vmdir/kernel.err" 2>/dev/null || echo "fetching it failed")"
vmlinuz=$(find "$kroot/boot" -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | head -n 1)
[ -n "$vmlinuz" ] || unavailable "no /boot/vmlinuz-* in $kroot"
kver=${vmlinuz##*/vmlinuz-}
moddir=$kroot/lib/modules/$kver
[ -d "$moddir" ] || unavailable "no modules for $kver in $kroot"

# One directory per run, shared read-write with the guest; old ones go.
find "$vmdir" -maxdepth 1 -name 'run.*' -type d -mmin +120 -exec rm -rf {} + 2>/dev/null
rundir=$(mktemp -d "$vmdir/run.XXXXXX") || exit 1
chmod 755 "$rundir"
ln -sfn "$(basename "$rundir")" "$vmdir/last"

build_initramfs "$rundir/initramfs.cpio" "$busybox" ||
	unavailable "could not build the initramfs"
rm -rf "$rundir/initramfs"

# The command, quoted for the guest's bash, run from the repository root.
{
	printf 'cd %q || exit 125\n' "$repo"
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$rundir/cmd.sh"

console=$rundir/console.log
qerr=$rundir/qemu.err
: >"$console"

qpid=""
follower=""
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	[ -n "$follower" ] && kill "$follower" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "booting $kver under TCG (-m $mem -smp $smp -cpu $cpu), run dir ${rundir#"$repo"/}"
start=$(date +%s.%N)
# -nographic puts the serial console (and qemu's monitor, disabled here) on
# stdout; stdin is /dev/null so nothing can be typed at it.
timeout -k 5 "$timeout_s" "$qemu" \
	-accel tcg -cpu "$cpu" -m "$mem" -smp "$smp" \
	-nographic -monitor none -no-reboot \
	-kernel "$vmlinuz" -initrd "$rundir/initramfs.cpio" \
	-append "console=ttyS0 cgroup_no_v1=all panic=-1 quiet" \
	-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap" \
	-device "virtio-9p-pci,fsdev=root,mount_tag=hostroot" \
	-fsdev "local,id=out,path=$rundir,security_model=none,multidevs=remap" \
	-device "virtio-9p-pci,fsdev=out,mount_tag=hostout" \
	-nic none \
	</dev/null >"$console" 2>"$qerr" &
qpid=$!

# Shows the guest's output once the command has started, without the
# firmware's escape sequences and carriage returns.
if [ "$quiet" != 1 ]; then
	tail -n +1 -F --pid="$qpid" "$console" 2>/dev/null |
		sed -u -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' -e 's/\r$//' |
		awk '/PYEXEC_VM_START/ { on = 1; next }
			on && /PYEXEC_VM_EXIT=/ { sub(/PYEXEC_VM_EXIT=.*/, ""); if ($0 != "") print; on = 0 }
			on { print; fflush() }' &
	follower=$!
fi

started=0
booted="?"
boot_killed=0
while kill -0 "$qpid" 2>/dev/null; do
	if [ "$started" = 0 ]; then
		if grep -aq 'PYEXEC_VM_START' "$console"; then
			started=1
			booted=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		elif grep -aq 'PYEXEC_VM_ERROR=' "$console"; then
			: # the guest powers itself off
		elif (($(date +%s) - ${start%.*} > boot_timeout_s)); then
			boot_killed=1
			kill "$qpid" 2>/dev/null
			break
		fi
	fi
	sleep 0.5
done
wait "$qpid"
qrc=$?
qpid=""
rm -f "$rundir/initramfs.cpio"
if [ -n "$follower" ]; then
	wait "$follower" 2>/dev/null
	follower=""
fi
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

clean=$(sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' -e 's/\r$//' "$console")
start_line=$(grep -ao 'PYEXEC_VM_START.*' <<<"$clean" | head -n 1)
exit_line=$(grep -ao 'PYEXEC_VM_EXIT=[0-9]*' <<<"$clean" | tail -n 1)
error_line=$(grep -ao 'PYEXEC_VM_ERROR=.*' <<<"$clean" | head -n 1)

if [ -z "$start_line" ]; then
	{
		echo "--- qemu stderr:"
		cat "$qerr"
		echo "--- last console lines:"
		tail -n 20 <<<"$clean"
	} >&2
	if [ -n "$error_line" ]; then
		unavailable "guest setup failed: ${error_line#PYEXEC_VM_ERROR=}"
	elif [ "$boot_killed" = 1 ]; then
		unavailable "boot timeout: the guest did not start the command within ${boot_timeout_s}s"
	elif [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		unavailable "boot timeout: the guest did not start the command within ${timeout_s}s"
	else
		unavailable "qemu exited ($qrc) before the guest started the command: $(head -n 1 "$qerr")"
	fi
fi

boot=${start_line#*uptime=}
boot=${boot%%s*}
if [ -z "$exit_line" ]; then
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		log "timeout: the VM ran for more than ${timeout_s}s; console: $console"
		exit 124
	fi
	log "the guest stopped without reporting the command's exit code (qemu $qrc); console: $console"
	tail -n 20 <<<"$clean" >&2
	exit 1
fi
rc=${exit_line#PYEXEC_VM_EXIT=}
log "guest command exited $rc (it started ${booted}s after qemu, guest uptime ${boot}s; ${elapsed}s in all)"
exit "$rc"

#!/bin/bash
# pyexecd on a cgroup v2-only kernel.  Runs inside the VM of run-vm.sh, as
# root, from the repository root:
#
#   tests/vm/run-vm.sh tests/vm/guest-tests.sh [build/pyexecd]     (make test-vm)
#
# Starts the daemon with --cgroup v2 in the guest's root cgroup, checks
# over HTTP what the cgroup v2 backend must give (limits in force, memory
# and pids limits hit, usage accounting, no leftovers), stops it with SIGTERM
# and checks that /sys/fs/cgroup is as it was.  Prints "ok N - ..." /
# "not ok N - ..." lines and "N passed, N failed"; exits 1 on any failure.
# The daemon's log and every response body go to $PYEXEC_VM_OUT (the run's
# build/vm/run.XXXXXX on the host).
# shellcheck disable=SC2317 # functions called through check/all
set -uo pipefail

daemon=${1:-build/pyexecd}
port=18080
out=${PYEXEC_VM_OUT:-/tmp}
py=/usr/bin/python3 # Debian's, not a pyenv one: the daemon's scripts use it too
cg=/sys/fs/cgroup
sandbox_uid=100000

# While $todo is set, results are TAP TODO: reported, not counted as failures.
n=0
passed=0
failed=0
todo=""
todo_failed=0
ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $*${todo:+ # TODO $todo}"
}
not_ok() {
	n=$((n + 1))
	if [ -n "$todo" ]; then
		todo_failed=$((todo_failed + 1))
		echo "not ok $n - $* # TODO $todo"
	else
		failed=$((failed + 1))
		echo "not ok $n - $*"
	fi
}
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
all() { # all CMD... -- CMD... : every command succeeds
	local cmd=()
	while [ $# -gt 0 ]; do
		if [ "$1" = -- ]; then
			"${cmd[@]}" || return 1
			cmd=()
		else
			cmd+=("$1")
		fi
		shift
	done
	[ ${#cmd[@]} -eq 0 ] || "${cmd[@]}"
}
has_words() { # has_words LIST WORD...: every WORD is in the space-separated LIST
	local list=" $1 " w
	shift
	for w; do [[ $list == *" $w "* ]] || return 1; done
}
dir_below() { [[ $1 == "$2"/* && -d $1 ]]; } # dir_below DIR PARENT
one_cpu() { [ "$1" != max ] && [ "$1" = "$2" ]; } # one_cpu QUOTA PERIOD
diag() { sed 's/^/# /'; }
finish() {
	[ "$todo_failed" -eq 0 ] || echo "# $todo_failed known failure(s) marked TODO, not counted below"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# An HTTP request with Debian's python3 (plain sockets: under emulation,
# importing urllib costs seconds per call).  Prints the status (0 when no
# answer came) and then the value of each FIELD of the JSON answer (dotted
# path; compact JSON, strings bare, "<missing>" when absent), one a line; the
# body goes to $out/responses/NAME.json.  A refused connection is retried
# until TIMEOUT while the daemon ($dpid) lives.
#   req NAME METHOD PATH BODY|'' TIMEOUT [FIELD...]
mkdir -p "$out/responses"
tmp=${PYEXEC_VM_TMP:-/tmp}
mkdir -p "$tmp"
cat >"$tmp/vmreq.py" <<'PY'
import json, socket, sys, time

name, method, port, path, body, timeout, daemon_pid, fields = (
    sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5].encode(),
    float(sys.argv[6]), sys.argv[7], sys.argv[8:])
deadline = time.monotonic() + timeout


def daemon_alive():
    try:
        with open("/proc/%s/stat" % daemon_pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def exchange():
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                  % (method.encode(), path.encode(), len(body), body))
        chunks = []
        while True:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    head, _, raw = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    if any(l.lower().replace(" ", "") == "transfer-encoding:chunked" for l in lines[1:]):
        data = b""
        while raw:
            size, _, raw = raw.partition(b"\r\n")
            size = int(size.split(b";")[0], 16)
            if size == 0:
                break
            data, raw = data + raw[:size], raw[size + 2:]
        raw = data
    return status, raw


while True:
    try:
        status, raw = exchange()
    except ConnectionRefusedError:
        # The daemon may still be starting, unless it is gone.
        if not daemon_alive():
            status, raw = 0, b"no answer: the daemon exited"
        elif time.monotonic() < deadline - 0.5:
            time.sleep(0.5)
            continue
        else:
            status, raw = 0, b"no answer: connection refused"
    except (OSError, ValueError, IndexError) as e:
        status, raw = 0, ("no answer: %r" % e).encode()
    break
with open(name, "wb") as f:
    f.write(raw)
print(status)
try:
    doc = json.loads(raw)
except ValueError:
    doc = None
for path in fields:
    v = doc
    for key in path.split("."):
        v = v.get(key, KeyError) if isinstance(v, dict) else KeyError
    print("<missing>" if v is KeyError else v if isinstance(v, str) else json.dumps(v))
PY
req() {
	local name=$1
	shift
	"$py" "$tmp/vmreq.py" "$out/responses/$name.json" "$1" "$port" "$2" "$3" "$4" "$dpid" "${@:5}"
}
show() { # the response and the daemon log's tail, as TAP comments
	{
		echo "response $1: $(head -c 600 "$out/responses/$1.json" 2>/dev/null)"
		echo "daemon log tail:"
		tail -n 8 "$out/pyexecd.log" 2>/dev/null
	} | diag
}

# Every cgroup directory, and what sits in the root cgroup's control files
# the daemon may touch: to compare before and after.
cgroup_state() {
	find "$cg" -type d | sort
	echo "subtree_control: $(cat "$cg/cgroup.subtree_control")"
	echo "self: $(cat /proc/self/cgroup)"
}

# PIDs of processes running as the sandbox uid.
sandbox_pids() { # no subprocess per process: each costs a lot under emulation
	local s key uid rest
	for s in /proc/[0-9]*/status; do
		while read -r key uid rest; do
			[ "$key" = Uid: ] || continue
			[ "$uid" = "$sandbox_uid" ] && { s=${s#/proc/}; echo "${s%/status}"; }
			break
		done 2>/dev/null <"$s"
	done 2>/dev/null
	return 0
}

# --- preflight ---

echo "# kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)"
if [ "$(id -u)" -ne 0 ]; then
	not_ok "running as root"
	finish
fi
fstype=$(stat -f -c %T "$cg" 2>/dev/null)
check "cgroup2 is mounted on $cg (found: $fstype)" [ "$fstype" = cgroup2fs ]
controllers=$(cat "$cg/cgroup.controllers" 2>/dev/null)
check "v2 offers memory, pids and cpu ($controllers)" \
	has_words "$controllers" memory pids cpu
check "no cgroup v1 hierarchy (/proc/self/cgroup: $(tr '\n' ' ' </proc/self/cgroup))" \
	[ "$(cat /proc/self/cgroup)" = "0::/" ]
if [ ! -x "$daemon" ]; then
	not_ok "daemon binary $daemon exists (run make $daemon)"
	finish
fi
before=$(cgroup_state)

# --- the daemon ---

"$daemon" --port "$port" --bind 127.0.0.1 --cgroup v2 --slots 2 2>"$out/pyexecd.log" &
dpid=$!
t0=$(date +%s.%N)

mapfile -t r < <(req health0 GET /health '' 120 status isolation.cgroup.version \
	isolation.cgroup.limits.memory isolation.cgroup.limits.pids isolation.cgroup.limits.cpu \
	isolation.cgroup.path)
if [ "${r[0]:-0}" != 200 ]; then
	not_ok "daemon answers GET /health (status ${r[0]:-none})"
	show health0
	kill -KILL "$dpid" 2>/dev/null
	finish
fi
ok "daemon answers GET /health ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after start)"
check "health: isolation.cgroup.version is v2 (${r[2]})" [ "${r[2]}" = v2 ]
check "health: limits.memory is cgroup (${r[3]})" [ "${r[3]}" = cgroup ]
check "health: limits.pids is cgroup (${r[4]})" [ "${r[4]}" = cgroup ]
check "health: limits.cpu is cgroup (${r[5]})" [ "${r[5]}" = cgroup ]
subtree=${r[6]}
check "health: the subtree ($subtree) is a directory of the guest's cgroup2" \
	dir_below "$subtree" "$cg"

mapfile -t r < <(req hello POST /execute '{"script": "def main():\n    return 42"}' 120 success result)
if [ "${r[0]}" = 200 ] && [ "${r[1]}" = true ] && [ "${r[2]}" = 42 ]; then
	ok "hello world returns 42"
else
	not_ok "hello world returns 42 (status ${r[0]}, success ${r[1]:-}, result ${r[2]:-})"
	show hello
fi

mapfile -t r < <(req membomb POST /execute \
	'{"script": "def main():\n    x = bytearray(512*1024*1024)\n    return len(x)", "memory": 64}' \
	120 error_type usage.peak_memory_bytes)
if [ "${r[0]}" = 422 ] && [ "${r[1]}" = memory_limit ]; then
	ok "a 512 MB allocation under \"memory\": 64 is a 422 memory_limit (peak ${r[2]} bytes)"
else
	not_ok "a 512 MB allocation under \"memory\": 64 is a 422 memory_limit (status ${r[0]}, error_type ${r[1]:-})"
	show membomb
fi

# Limits as written into a live execution's cgroup: a script that sleeps
# while we look at its directory.
req sleeper POST /execute \
	'{"script": "import time\ndef main():\n    time.sleep(4)\n    return 1", "memory": 100}' \
	120 >"$tmp/sleeper.out" &
spid=$!
exec_dir=""
for _ in $(seq 1 100); do
	exec_dir=$(find "$subtree" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)
	if [ -n "$exec_dir" ] && [ -n "$(cat "$exec_dir/cgroup.procs" 2>/dev/null)" ]; then
		break
	fi
	exec_dir=""
	sleep 0.1
done
if [ -n "$exec_dir" ]; then
	mem_max=$(cat "$exec_dir/memory.max")
	pids_max=$(cat "$exec_dir/pids.max")
	cpu_max=$(cat "$exec_dir/cpu.max")
	swap_max=$(cat "$exec_dir/memory.swap.max" 2>/dev/null || echo n/a)
	check "a running execution's cgroup has memory.max 100 MiB ($mem_max), swap capped ($swap_max)" \
		all [ "$mem_max" = $((100 * 1024 * 1024)) ] -- [ "$swap_max" != max ]
	check "... pids.max 64 ($pids_max)" [ "$pids_max" = 64 ]
	# shellcheck disable=SC2086 # "quota period"
	check "... cpu.max one CPU ($cpu_max)" one_cpu $cpu_max
else
	not_ok "a running execution's cgroup appears under $subtree with its process in it"
fi
wait "$spid"
mapfile -t r <"$tmp/sleeper.out"
check "the sleeping script then returns normally (status ${r[0]:-none})" [ "${r[0]:-}" = 200 ]

# Forked children carry on with the loop: without a pids limit this is
# 2^n processes.  It must end, one way or another, within its timeout.
t1=$(date +%s)
mapfile -t r < <(req forkbomb POST /execute \
	'{"script": "import os\ndef main():\n    n=0\n    try:\n        while n < 10000:\n            os.fork(); n += 1\n    except OSError as e:\n        return \"stopped after %d: %s\" % (n, e)\n    return n", "timeout": 60}' \
	150 success result error_type error)
took=$(($(date +%s) - t1))
if [ "${r[0]}" = 200 ]; then
	ok "fork bomb ends in ${took}s with a result: ${r[2]:0:100}"
elif [ "${r[0]}" = 422 ] && [ "${r[3]}" != "<missing>" ]; then
	ok "fork bomb ends in ${took}s with a 422 ${r[3]}: ${r[4]:0:100}"
else
	not_ok "fork bomb ends within its timeout with a result or an error (status ${r[0]}, after ${took}s)"
	show forkbomb
fi
leftover=""
for _ in $(seq 1 50); do
	leftover=$(sandbox_pids)
	[ -z "$leftover" ] && break
	sleep 0.1
done
check "no process of the sandbox uid survives the fork bomb (${leftover:-none})" [ -z "$leftover" ]
mapfile -t r < <(req health1 GET /health '' 30 status slots.busy)
check "daemon still healthy after the fork bomb (status ${r[0]}, ${r[1]:-}, busy ${r[2]:-})" \
	all [ "${r[0]}" = 200 ] -- [ "${r[1]}" = healthy ]

mapfile -t r < <(req cpu POST /execute \
	'{"script": "def main():\n    s = 0\n    for i in range(300000):\n        s += i * i\n    return s"}' \
	120 result usage.cpu_ms usage.peak_memory_bytes usage.wall_ms)
if [ "${r[0]}" = 200 ] && [ "${r[1]}" = 8999955000050000 ] &&
	awk -v c="${r[2]}" -v m="${r[3]}" 'BEGIN { exit !(c + 0 > 0 && m + 0 > 0) }'; then
	ok "CPU-bound script: usage.cpu_ms ${r[2]} > 0, peak_memory_bytes ${r[3]} > 0 (wall ${r[4]} ms)"
else
	not_ok "CPU-bound script reports cpu_ms and peak_memory_bytes > 0 (status ${r[0]}, result ${r[1]:-}, cpu_ms ${r[2]:-}, peak ${r[3]:-})"
	show cpu
fi

left=""
for _ in $(seq 1 30); do
	left=$(find "$subtree" -mindepth 1 -type d 2>/dev/null)
	[ -z "$left" ] && break
	sleep 0.1
done
check "no execution cgroup remains under $subtree" [ -z "$left" ]
[ -z "$left" ] || echo "$left" | diag

# --- stop ---

kill -TERM "$dpid" 2>/dev/null
for _ in $(seq 1 300); do
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$dpid" 2>/dev/null; then
	not_ok "daemon stops within 30 s of SIGTERM"
	kill -KILL "$dpid"
	wait "$dpid"
else
	wait "$dpid"
	rc=$?
	check "daemon exits 0 on SIGTERM (exit $rc)" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || tail -n 8 "$out/pyexecd.log" | diag
fi
sleep 0.2
after=$(cgroup_state)
check "its subtree $subtree is gone" [ ! -e "$subtree" ]
if [ "$before" = "$after" ]; then
	ok "/sys/fs/cgroup is as it was before the daemon started"
else
	not_ok "/sys/fs/cgroup is as it was before the daemon started"
	diff <(echo "$before") <(echo "$after") | diag
fi

# --- as a systemd service runs it: --cgroup auto, in a delegated cgroup ---
# Its own cgroup, with controllers enabled above it, and (unlike the root
# cgroup) subject to the no-internal-process rule.

# Known to fail: the spawner moves itself into a leaf only when it is alone
# in the daemon's cgroup, and the supervisor and the front are there too,
# so v2 is refused (EBUSY) and --cgroup auto finds nothing usable.  Delete
# this line once pyexecd handles it, to make these checks count.
todo=""
svc=$cg/pyexec-vm.service
root_sc=$(cat "$cg/cgroup.subtree_control")
echo "+memory +pids +cpu" >"$cg/cgroup.subtree_control" && mkdir "$svc"
svc_state() { find "$svc" | sort; echo "subtree_control: $(cat "$svc/cgroup.subtree_control")"; }
svc_before=$(svc_state)
bash -c 'echo $$ >"$1/cgroup.procs" && exec "${@:2}"' _ "$svc" \
	"$daemon" --port "$port" --bind 127.0.0.1 2>"$out/pyexecd-service.log" &
dpid=$!
mapfile -t r < <(req health-svc GET /health '' 120 isolation.cgroup.version isolation.cgroup.path)
check "in ${svc#"$cg"/}, --cgroup auto picks v2 (${r[1]:-no answer})" [ "${r[1]:-}" = v2 ]
check "... with its subtree inside the service's cgroup (${r[2]:-})" \
	dir_below "${r[2]:-}" "$svc"
mapfile -t r < <(req hello-svc POST /execute '{"script": "def main():\n    return 42"}' 120 result)
check "... hello world returns 42 (status ${r[0]}, result ${r[1]:-})" all [ "${r[0]}" = 200 ] -- [ "${r[1]:-}" = 42 ]
mapfile -t r < <(req membomb-svc POST /execute \
	'{"script": "def main():\n    x = bytearray(512*1024*1024)\n    return len(x)", "memory": 64}' 120 error_type)
check "... the memory bomb is a 422 memory_limit (status ${r[0]}, ${r[1]:-})" \
	all [ "${r[0]}" = 422 ] -- [ "${r[1]:-}" = memory_limit ]
kill -TERM "$dpid" 2>/dev/null
wait "$dpid"
rc=$?
check "... exits 0 on SIGTERM (exit $rc)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || tail -n 8 "$out/pyexecd-service.log" | diag
svc_after=$(svc_state)
if [ "$svc_before" = "$svc_after" ]; then
	ok "... and leaves its service cgroup as it found it"
else
	not_ok "... and leaves its service cgroup as it found it"
	diff <(echo "$svc_before") <(echo "$svc_after") | diag
fi
rmdir "$svc"
for c in memory pids cpu; do
	has_words "$root_sc" "$c" || echo "-$c" >"$cg/cgroup.subtree_control"
done
todo=""
check "/sys/fs/cgroup is as it was at the start" [ "$before" = "$(cgroup_state)" ]

errors=$(grep -c '"level":"error"' "$out/pyexecd.log" 2>/dev/null)
echo "# daemon log: $out/pyexecd.log ($(wc -l <"$out/pyexecd.log") lines, ${errors:-0} at level error)"
finish

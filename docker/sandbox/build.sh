#!/usr/bin/env bash
# Builds the sandbox image without any container registry:
#   1. a Debian bookworm root filesystem from Debian's packages (mmdebstrap), `docker import`ed as
#      paperd-sandbox-base:TAG;
#   2. the Dockerfile here, FROM that base, adds the `paperd` helper modules (legacy builder).
# The tag is a hash of this directory's inputs, so a changed input is a new image.
#
#   docker/sandbox/build.sh            build (or load from the image cache) unless present
#   docker/sandbox/build.sh --tag      print the image name and exit
#   docker/sandbox/build.sh --force    rebuild even when the image exists
#
# Caches (outside the repository, never committed):
#   PAPERD_SANDBOX_CACHE (default /var/cache/paperd-sandbox): debs/ is the package cache reused
#   by mmdebstrap; image-TAG.tar is a `docker save` of the built image, loaded instead of building.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${PAPERD_SANDBOX_CACHE:-/var/cache/paperd-sandbox}"

# Keep in step with src/sandbox/image.ts (sandboxImageTag).
inputs=(packages.txt base.sh Dockerfile helpers/paperd.py helpers/paperd.js)
tag="$(cd "$here" && cat "${inputs[@]}" | sha256sum | cut -c1-12)"
image="paperd-sandbox:$tag"
base="paperd-sandbox-base:$(cd "$here" && cat packages.txt base.sh | sha256sum | cut -c1-12)"

case "${1:-}" in
  --tag) echo "$image"; exit 0 ;;
  --force) force=1 ;;
  "") force=0 ;;
  *) echo "usage: $0 [--tag|--force]" >&2; exit 2 ;;
esac

if [ "$force" = 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "sandbox image $image is present"
  exit 0
fi
mkdir -p "$cache/debs"
if [ "$force" = 0 ] && [ -f "$cache/image-$tag.tar" ]; then
  echo "loading sandbox image $image from $cache/image-$tag.tar"
  if docker load -i "$cache/image-$tag.tar" && docker image inspect "$image" >/dev/null 2>&1; then
    exit 0
  fi
  echo "the cached image tarball is unusable: building instead" >&2
  rm -f "$cache/image-$tag.tar"
fi

if [ "$force" = 1 ] || ! docker image inspect "$base" >/dev/null 2>&1; then
  "$here/base.sh" "$cache/debs" "$base"
fi

echo "building $image FROM $base"
DOCKER_BUILDKIT=0 docker build -q --network none --build-arg "BASE=$base" -t "$image" "$here"
docker save -o "$cache/image-$tag.tar.part" "$image"
mv "$cache/image-$tag.tar.part" "$cache/image-$tag.tar"
# Older tarballs are other versions of this image: keep the cache to the current one.
find "$cache" -maxdepth 1 -name 'image-*.tar' ! -name "image-$tag.tar" -delete
echo "built $image"

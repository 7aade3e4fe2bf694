#!/usr/bin/env bash
# The nodes' base image: bookworm from Debian's packages (mmdebstrap, the way docker/sandbox/base.sh
# makes the sandbox's), `docker import`ed; no registry involved. The essential variant has no
# useradd: the `paperd` user (10001, owner of /data) is written into passwd and group directly.
#   base.sh DEB_CACHE_DIR IMAGE_NAME
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
debs="$1"
image="$2"
mkdir -p "$debs"
packages="$(grep -v '^\s*#' "$here/packages.txt" | grep -v '^\s*$' | paste -sd, -)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "mmdebstrap: bookworm with $packages (package cache: $debs)"
mmdebstrap --variant=essential --mode=root \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --include="$packages" \
  --skip=download/empty \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
  --setup-hook="find '$debs' -maxdepth 1 -name '*.deb' -exec cp -t \"\$1/var/cache/apt/archives/\" {} + 2>/dev/null || true" \
  --customize-hook="find \"\$1/var/cache/apt/archives\" -maxdepth 1 -name '*.deb' -exec cp -n -t '$debs' {} +" \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
  --customize-hook='echo "paperd:x:10001:10001:paperd:/data:/usr/sbin/nologin" >> "$1/etc/passwd"' \
  --customize-hook='echo "paperd:x:10001:" >> "$1/etc/group"' \
  --customize-hook='mkdir -p "$1/data" && chown 10001:10001 "$1/data"' \
  bookworm "$work/rootfs.tar" http://deb.debian.org/debian

echo "docker import as $image"
docker import --change 'ENV LANG=C.UTF-8' "$work/rootfs.tar" "$image" >/dev/null

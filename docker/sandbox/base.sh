#!/usr/bin/env bash
# The sandbox's base: bookworm from Debian's packages, no apt inside, no recommends, no docs.
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
# The package cache goes in before apt runs and comes back out after, so a rebuild downloads only
# what changed. download/empty keeps apt from emptying it before the customize hook copies it out.
mmdebstrap --variant=essential --mode=root \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --include="$packages" \
  --skip=download/empty \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
  --setup-hook="find '$debs' -maxdepth 1 -name '*.deb' -exec cp -l -t \"\$1/var/cache/apt/archives/\" {} + 2>/dev/null || find '$debs' -maxdepth 1 -name '*.deb' -exec cp -t \"\$1/var/cache/apt/archives/\" {} + || true" \
  --customize-hook="find \"\$1/var/cache/apt/archives\" -maxdepth 1 -name '*.deb' -exec cp -n -t '$debs' {} +" \
  --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*' \
  bookworm "$work/rootfs.tar" http://deb.debian.org/debian

echo "docker import as $image"
docker import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  "$work/rootfs.tar" "$image" >/dev/null

#!/usr/bin/env bash
# Builds the test images from host files, with no registry: fargate-emu/busybox:local (Debian's
# static busybox in an otherwise empty rootfs, via `docker import`) and fargate-emu/pause:local
# (docker/pause/pause.c compiled with gcc -static, via `docker build` FROM scratch).
# Usage: build-local-images.sh [DOCKER_HOST]   (default: $DOCKER_HOST, else the system socket)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
host=${1:-${DOCKER_HOST:-unix:///var/run/docker.sock}}
docker=(docker -H "$host")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x /bin/busybox ]; then
  echo "build-local-images: installing busybox-static" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    busybox-static >/dev/null
fi
if ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' &&
   ldd /bin/busybox >/dev/null 2>&1; then
  echo "build-local-images: /bin/busybox is not static (install busybox-static)" >&2
  exit 1
fi

# busybox: /bin with the applets the tests use, /tmp, /etc/passwd for `user`.
rootfs=$work/busybox
mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
chmod 1777 "$rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
  >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
tar -C "$rootfs" -c . | "${docker[@]}" import \
  -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - fargate-emu/busybox:local >/dev/null
echo "build-local-images: fargate-emu/busybox:local"

# pause: one static binary FROM scratch.
ctx=$work/pause
mkdir -p "$ctx"
gcc -static -O2 -o "$ctx/pause" "$here/pause/pause.c"
strip "$ctx/pause" 2>/dev/null || true
cp "$here/pause/Dockerfile" "$ctx/Dockerfile"
DOCKER_BUILDKIT=0 "${docker[@]}" build -q -t fargate-emu/pause:local "$ctx" >/dev/null
echo "build-local-images: fargate-emu/pause:local"

#!/usr/bin/env bash
# Builds the local images from host files, with no registry: fargate-emu/busybox:local (Debian's
# static busybox, `docker import`), fargate-emu/pause:local (docker/pause/pause.c, gcc -static),
# fargate-emu/emu-router:local (emu-router laid out like aws-for-fluent-bit: ldd-driven rootfs),
# fargate-emu/emu-router:init (the same with the init process, as aws-for-fluent-bit:init-*),
# fargate-emu/fluent-bit-s3:local (docker/fluent-bit-s3 built FROM it) and
# fargate-emu/nginx:local (Debian's nginx package, logging to stdout/stderr).
# Usage: build-local-images.sh [DOCKER_HOST] [all|base|asan]   (default: $DOCKER_HOST, else the
# system socket; `base` = busybox and pause only). EMU_ROUTER=path uses a built emu-router
# (and emu-router-init beside it, or EMU_ROUTER_INIT).
# `asan` builds only fargate-emu/emu-router:asan and fargate-emu/fluent-bit-s3:asan from
# EMU_ROUTER, which must be an ASan(+UBSan) build (the CI build dir's emu-router): the same
# layout with the sanitizer runtimes and every library ldd names in the rootfs, and
# ASAN_OPTIONS/UBSAN_OPTIONS set so reports go to the router's stderr (docs/reliability.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
host=${1:-${DOCKER_HOST:-unix:///var/run/docker.sock}}
what=${2:-all}
repo=$(cd "$here/.." && pwd)
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
if [ "$what" != asan ]; then
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
  DOCKER_BUILDKIT=0 "${docker[@]}" build -q -t fargate-emu/pause:local "$ctx" >/dev/null 2>&1
  echo "build-local-images: fargate-emu/pause:local"
fi

[ "$what" = base ] && exit 0

# Copies a binary and the shared libraries ldd names (and the loader) into rootfs $1.
copy_with_libs() {
  local root=$1 bin=$2 dest=$3 lib
  mkdir -p "$root$(dirname "$dest")"
  cp -L "$bin" "$root$dest"
  for lib in $(ldd "$bin" | grep -oE '(/[^ ]+)' | sort -u); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# busybox applets a router image needs: sh for CMD-SHELL health checks, nc for the usual
# `nc 127.0.0.1 8877` check, and the basics.
add_busybox() {
  local root=$1 a
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/var/run"
  cp /bin/busybox "$root/bin/busybox"
  for a in sh nc echo cat ls ps sleep env wget; do ln -sf busybox "$root/bin/$a"; done
  chmod 1777 "$root/tmp"
}

# The emu-router rootfs in $1 from binary $2: aws-for-fluent-bit's layout and configs.
router_rootfs() {
  local rootfs=$1
  copy_with_libs "$rootfs" "$2" /fluent-bit/bin/fluent-bit
  add_busybox "$rootfs"
  mkdir -p "$rootfs/fluent-bit/etc" "$rootfs/fluent-bit/parsers"
  cp "$here/emu-router/fluent-bit.conf" "$rootfs/fluent-bit/etc/fluent-bit.conf"
  cp "$here/emu-router/parsers.conf" "$rootfs/fluent-bit/parsers/parsers.conf"
  # The image's built-in configs (/fluent-bit/configs) and the init snippets (/ecs), and a
  # config for config-file-type file tests (multiline partial_message, s3 output; multiline
  # parsers).
  mkdir -p "$rootfs/fluent-bit/configs" "$rootfs/ecs"
  cp "$here"/emu-router/configs/*.conf "$rootfs/fluent-bit/configs/"
  cp "$here"/emu-router/ecs/*.conf "$rootfs/ecs/"
  cp "$here/emu-router/e2e-partial.conf" "$rootfs/fluent-bit/configs/e2e-partial.conf"
  cp "$here/emu-router/e2e-multiline.conf" "$rootfs/fluent-bit/configs/e2e-multiline.conf"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\n' >"$rootfs/etc/group"
}
router_cmd='CMD ["/fluent-bit/bin/fluent-bit", "-e", "/fluent-bit/firehose.so", "-e", "/fluent-bit/cloudwatch.so", "-e", "/fluent-bit/kinesis.so", "-c", "/fluent-bit/etc/fluent-bit.conf"]'

# fluent-bit-s3 image tagged $1 FROM router image $2 (the seed's router image, built as a user
# would from docker/fluent-bit-s3/); FROM the real aws-for-fluent-bit when the daemon has it
# and $3 is "real", else FROM $2.
build_fluent_bit_s3() {
  local base=public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4 ctx=$work/fluent-bit-s3-$3
  mkdir -p "$ctx"
  cp "$here/fluent-bit-s3/s3.conf" "$ctx/s3.conf"
  if [ "$3" = real ] && "${docker[@]}" image inspect "$base" >/dev/null 2>&1; then
    cp "$here/fluent-bit-s3/Dockerfile" "$ctx/Dockerfile"
  else
    sed "s|^FROM .*|FROM $2|" "$here/fluent-bit-s3/Dockerfile" >"$ctx/Dockerfile"
  fi
  DOCKER_BUILDKIT=0 "${docker[@]}" build -q -t "$1" "$ctx" >/dev/null 2>&1
  echo "build-local-images: $1 ($(sed -n 's/^FROM //p' "$ctx/Dockerfile"))"
}

# The sanitized variant: the ASan+UBSan emu-router (EMU_ROUTER) with its runtimes (libasan,
# libubsan, and whatever else ldd names: libstdc++, libgcc_s, libc, the loader) in the rootfs.
# Reports go to stderr, so the runtime's output copy (<data-dir>/tasks/<id>.out/<router>.log),
# `docker logs` and the router's log driver all have them; LeakSanitizer runs when the router
# exits (it returns from main, no _exit).
if [ "$what" = asan ]; then
  router=${EMU_ROUTER:?asan: EMU_ROUTER must name an ASan build of emu-router}
  case $(ldd "$router") in *libasan*) ;; *) false ;; esac ||
    { echo "build-local-images: $router is not an ASan build (no libasan in ldd)" >&2; exit 1; }
  rootfs=$work/emu-router-asan
  router_rootfs "$rootfs" "$router"
  tar -C "$rootfs" -c . | "${docker[@]}" import \
    -c 'ENV PATH=/bin:/fluent-bit/bin' \
    -c 'ENV ASAN_OPTIONS=detect_leaks=1:print_summary=1' \
    -c 'ENV UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1' \
    -c "$router_cmd" - fargate-emu/emu-router:asan >/dev/null
  echo "build-local-images: fargate-emu/emu-router:asan ($router)"
  build_fluent_bit_s3 fargate-emu/fluent-bit-s3:asan fargate-emu/emu-router:asan stand-in
  exit 0
fi

# emu-router: a Release build without sanitizers unless EMU_ROUTER names one.
# The init image's process: EMU_ROUTER_INIT, else emu-router-init beside EMU_ROUTER.
router=${EMU_ROUTER:-}
router_init=${EMU_ROUTER_INIT:-${router:+$(dirname "$router")/emu-router-init}}
if [ -z "$router" ] || [ ! -x "$router_init" ]; then
  rb=${EMU_IMAGE_BUILD_DIR:-$repo/build-images}
  cmake -S "$repo" -B "$rb" -DCMAKE_BUILD_TYPE=Release -DEMU_TESTS=OFF >/dev/null
  cmake --build "$rb" --target emu-router emu-router-init -j"$(nproc)" >/dev/null
  router=${router:-$rb/emu/router/emu-router}
  router_init=$rb/emu/router/emu-router-init
fi
rootfs=$work/emu-router
router_rootfs "$rootfs" "$router"
tar -C "$rootfs" -c . | "${docker[@]}" import \
  -c 'ENV PATH=/bin:/fluent-bit/bin' -c "$router_cmd" \
  - fargate-emu/emu-router:local >/dev/null
echo "build-local-images: fargate-emu/emu-router:local"

# The init variant (aws-for-fluent-bit:init-*): the same files plus the init process, which
# assembles /init/fluent-bit-init.conf and execs the router (docs/init.md).
copy_with_libs "$rootfs" "$router_init" /init/fluent_bit_init_process
chmod 0755 "$rootfs/init"
tar -C "$rootfs" -c . | "${docker[@]}" import \
  -c 'ENV PATH=/bin:/fluent-bit/bin' \
  -c 'CMD ["/init/fluent_bit_init_process"]' \
  - fargate-emu/emu-router:init >/dev/null
echo "build-local-images: fargate-emu/emu-router:init"

build_fluent_bit_s3 fargate-emu/fluent-bit-s3:local fargate-emu/emu-router:local real

# nginx from Debian's package (downloaded, unpacked, never installed: no service starts).
cache=${EMU_IMAGE_CACHE:-$repo/build-images/debs}
mkdir -p "$cache"
if ! ls "$cache"/nginx_*.deb >/dev/null 2>&1; then
  (cd "$cache" && apt-get download nginx >/dev/null 2>&1) ||
    (apt-get update -qq >/dev/null && cd "$cache" && apt-get download nginx >/dev/null)
fi
deb=$(ls "$cache"/nginx_*.deb | head -1)
rootfs=$work/nginx
dpkg -x "$deb" "$work/nginx-deb"
copy_with_libs "$rootfs" "$work/nginx-deb/usr/sbin/nginx" /usr/sbin/nginx
add_busybox "$rootfs"
mkdir -p "$rootfs/etc/nginx" "$rootfs/var/log/nginx" "$rootfs/run" "$rootfs/usr/share/nginx/html"
for d in body proxy fastcgi uwsgi scgi; do mkdir -p "$rootfs/var/lib/nginx/$d"; done
cp "$here/nginx/nginx.conf" "$rootfs/etc/nginx/nginx.conf"
ln -sf /dev/stdout "$rootfs/var/log/nginx/access.log"
ln -sf /dev/stderr "$rootfs/var/log/nginx/error.log"
echo '<html><body>fargate-emu nginx</body></html>' >"$rootfs/usr/share/nginx/html/index.html"
printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\n' \
  >"$rootfs/etc/passwd"
printf 'root:x:0:\nwww-data:x:33:\n' >"$rootfs/etc/group"
# The official nginx image's settings: SIGQUIT (graceful stop), port 80.
printf '%s\n' 'FROM scratch' 'COPY . /' 'ENV PATH=/usr/sbin:/bin' 'EXPOSE 80' \
  'STOPSIGNAL SIGQUIT' 'CMD ["nginx"]' >"$rootfs/Dockerfile"
DOCKER_BUILDKIT=0 "${docker[@]}" build -q -t fargate-emu/nginx:local "$rootfs" >/dev/null 2>&1
echo "build-local-images: fargate-emu/nginx:local ($(basename "$deb"))"

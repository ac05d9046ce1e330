#!/usr/bin/env bash
# Builds fargate-emu/python-aws:local from host files, with no registry: Debian's python3 with
# its standard library and the AWS SDK (boto3, botocore and their dependencies) laid out in a
# rootfs and `docker import`ed, plus busybox for a shell. Used by the tests that run the SDK
# inside a task (credentials endpoint, metadata, the endpoints' addresses as a container sees
# them) and msgpack (the Fluentd stand-in router of the fluentd e2e test). Skipped when the
# image exists, unless --force.
# Usage: build-python-image.sh [DOCKER_HOST] [--force]
set -euo pipefail
host=${1:-${DOCKER_HOST:-unix:///var/run/docker.sock}}
force=${2:-}
image=fargate-emu/python-aws:local
docker=(docker -H "$host")
# The recipe's hash as a label: an image built by an older version of this script is rebuilt.
recipe=$(sha256sum "$0" | cut -c1-16)
have=$("${docker[@]}" image inspect -f '{{index .Config.Labels "fargate-emu.recipe"}}' "$image" \
       2>/dev/null || true)
if [ "$force" != --force ] && [ "$have" = "$recipe" ]; then
  exit 0
fi
py=/usr/bin/python3
stdlib=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
dist=/usr/lib/python3/dist-packages
mods="boto3 botocore s3transfer jmespath dateutil urllib3 six certifi requests idna chardet"
mods="$mods charset_normalizer msgpack"
for m in $mods; do
  "$py" -c "import $m" 2>/dev/null || {
    echo "build-python-image: $py cannot import $m (apt-get install python3-boto3)" >&2
    exit 1
  }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs

# A file and the shared libraries ldd names for it (and the loader).
copy_with_libs() {
  local file=$1 lib
  mkdir -p "$root$(dirname "$file")"
  cp -L "$file" "$root$file"
  for lib in $(ldd "$file" 2>/dev/null | grep -oE '(/[^ ]+)' | sort -u); do
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

copy_with_libs "$py"
ln -s python3 "$root/usr/bin/python"
# The standard library without its tests, idle and tkinter; every extension module's libraries.
mkdir -p "$root$stdlib"
tar -C "$stdlib" --exclude=test --exclude=idlelib --exclude=tkinter --exclude='__pycache__' \
  -c . | tar -C "$root$stdlib" -x
for so in "$stdlib"/lib-dynload/*.so; do copy_with_libs "$so"; done
mkdir -p "$root$dist"
for p in boto3 botocore s3transfer jmespath dateutil urllib3 certifi six.py requests idna chardet \
         charset_normalizer msgpack; do
  cp -r "$dist/$p" "$root$dist/"
done
find "$root" -name __pycache__ -type d -prune -exec rm -rf {} +
# certifi in Debian points at the system bundle.
if [ -e /etc/ssl/certs/ca-certificates.crt ]; then
  mkdir -p "$root/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
fi
mkdir -p "$root/bin" "$root/tmp" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
for a in sh cat ls env sleep wget; do ln -sf busybox "$root/bin/$a"; done
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
tar -C "$root" -c . | "${docker[@]}" import \
  -c 'ENV PATH=/usr/bin:/bin' -c 'ENV PYTHONDONTWRITEBYTECODE=1' -c 'CMD ["python3"]' \
  -c "LABEL fargate-emu.recipe=$recipe" \
  - "$image" >/dev/null
echo "build-python-image: $image ($("$py" --version 2>&1), boto3 $("$py" -c 'import boto3; print(boto3.__version__)'))"

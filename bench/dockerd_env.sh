#!/usr/bin/env bash
# Sourced by the bench scripts that run tasks: sets src (the checkout) and work (a scratch
# dir removed at exit), and uses DOCKER_HOST when it answers, else starts a private dockerd
# (tests/support/dockerd.sh, stopped at exit) and builds the local images into it.
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
dd=""
cleanup() {
  [ -n "$dd" ] && "$src/tests/support/dockerd.sh" stop "$dd" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
if ! docker info >/dev/null 2>&1; then
  dd=$work/dockerd
  "$src/tests/support/dockerd.sh" start "$dd" >/dev/null
  export DOCKER_HOST=unix://$dd/docker.sock
  "$src/docker/build-local-images.sh" "$DOCKER_HOST" >/dev/null
fi

#!/bin/bash
# kolla_install_projects (run as root by kolla_start): kolla's "dev mode" installs the
# projects mounted under /dev-mode over the image's code. kolla-oci images run
# OpenStack from Debian's packages, without pip: dev mode works only if an image (or
# a derived one) adds python3-pip; otherwise the mounted projects are reported and
# left alone.

set -o errexit
set -o nounset

[[ -d /dev-mode ]] || exit 0

shopt -s nullglob
projects=(/dev-mode/*)
(( ${#projects[@]} > 0 )) || exit 0

if ! python3 -m pip --version >/dev/null 2>&1; then
    echo "kolla_install_projects: /dev-mode has ${projects[*]} but this image has no pip; not installing" >&2
    exit 0
fi

for project in "${projects[@]}"; do
    python3 -m pip install --no-deps --break-system-packages --upgrade "${project}"
done

#!/bin/bash
# kolla_patch (RUN by macros.kolla_patch_sources when --patches-path is set): applies,
# quilt-style, the patches /patches/series lists, relative to /. An image's patches
# add to those its parents applied; /etc/kolla/patched records what was applied so a
# patch is never applied twice.

set -o errexit
set -o nounset
set -o pipefail

cd /

if [[ ! -e /patches/series ]]; then
    echo "[i] No series file found, nothing to patch."
    exit 0
fi

mkdir -p /etc/kolla
touch /etc/kolla/patched

series=$(grep -v -e '^#' -e '^[[:space:]]*$' /patches/series || true)
if [[ -e /patches/series.applied ]]; then
    series="$(grep -v -e '^#' -e '^[[:space:]]*$' /patches/series.applied || true)
${series}"
fi

for patchfile in ${series}; do
    if grep -qxF "[i] Applied /patches/${patchfile}" /etc/kolla/patched; then
        echo "[i] /patches/${patchfile} already applied."
        continue
    fi
    echo "[i] Applying /patches/${patchfile}"
    if ! patch -p0 --fuzz=0 --ignore-whitespace < "/patches/${patchfile}"; then
        echo "[i] Patch /patches/${patchfile} failed, please fix your patchfiles."
        exit 1
    fi
    echo "[i] Applied /patches/${patchfile}" >> /etc/kolla/patched
done

printf '%s\n' "${series}" > /patches/series.applied
rm -f /patches/series

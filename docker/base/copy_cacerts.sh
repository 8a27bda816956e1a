#!/bin/bash
# kolla_copy_cacerts (run as root by kolla_start): trust the CA certificates the
# deployment provides and forget those an earlier start installed.
#
# Source: /var/lib/kolla/share/ca-certificates when kolla_set_configs manages that
# path (it is then a key of /etc/kolla/defaults/state), else
# /var/lib/kolla/config_files/ca-certificates. Each file becomes
# /usr/local/share/ca-certificates/kolla-customca-<name>.crt.

set -o errexit
set -o nounset

if [[ ! -e /etc/debian_version ]]; then
    echo "kolla_copy_cacerts: unsupported distro (this tree is Debian-only)" >&2
    exit 1
fi

dst=/usr/local/share/ca-certificates
changed=false

for old in "${dst}"/kolla-customca-*; do
    [[ -e ${old} ]] || continue
    rm -f "${old}"
    changed=true
done

src=/var/lib/kolla/config_files/ca-certificates
if grep -qs '"source": "/var/lib/kolla/share/ca-certificates"' /etc/kolla/defaults/state; then
    src=/var/lib/kolla/share/ca-certificates
fi

if [[ -d ${src} ]]; then
    mkdir -p "${dst}"
    for cert in "${src}"/*; do
        [[ -f ${cert} ]] || continue
        name=$(basename "${cert}")
        # update-ca-certificates only reads *.crt
        [[ ${name} == *.crt ]] || name="${name}.crt"
        install -m 0644 "${cert}" "${dst}/kolla-customca-${name}"
        changed=true
    done
fi

if [[ ${changed} == true ]]; then
    update-ca-certificates --fresh
fi

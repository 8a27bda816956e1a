#!/bin/bash
# kolla_extend_start of horizon (sourced by kolla_start, as root: Apache drops to its
# own user).
#
# kolla-ansible installs the settings as /etc/openstack-dashboard/local_settings and
# custom_local_settings (no .py); Debian's Horizon imports them from
# openstack_dashboard/local/, so they are linked there. Static files are collected and
# compressed again whenever those settings change (or FORCE_GENERATE=yes).
# KOLLA_BOOTSTRAP (any value, the empty one too): Django's database migrations, then exit.

. /usr/local/bin/kolla_httpd_setup

DASHBOARD=/usr/lib/python3/dist-packages/openstack_dashboard
MANAGE_PY="python3 /usr/share/openstack-dashboard/manage.py"
HASH_PATH=/var/lib/kolla/.settings.md5sum.txt
FORCE_GENERATE=${FORCE_GENERATE:-no}

if [[ -f /etc/openstack-dashboard/local_settings ]]; then
    ln -sfn /etc/openstack-dashboard/local_settings "${DASHBOARD}/local/local_settings.py"
fi
if [[ -f /etc/openstack-dashboard/custom_local_settings ]]; then
    ln -sfn /etc/openstack-dashboard/custom_local_settings "${DASHBOARD}/local/custom_local_settings.py"
fi

if [[ -v KOLLA_BOOTSTRAP ]]; then
    ${MANAGE_PY} migrate --noinput
    exit 0
fi

settings_hash() {
    local f
    for f in /etc/openstack-dashboard/local_settings /etc/openstack-dashboard/local_settings.py \
             /etc/openstack-dashboard/custom_local_settings /etc/openstack-dashboard/local_settings.d/*; do
        if [[ -f ${f} ]]; then
            cat "${f}"
        fi
    done | md5sum
}

if [[ ${FORCE_GENERATE} == yes || ! -f ${HASH_PATH} || $(settings_hash) != "$(cat "${HASH_PATH}")" ]]; then
    ${MANAGE_PY} collectstatic --noinput --clear
    ${MANAGE_PY} compress --force
    settings_hash > "${HASH_PATH}"
fi

mkdir -p /var/log/kolla/horizon
if [[ $(stat -c %U:%G /var/log/kolla/horizon) != "horizon:kolla" ]]; then
    chown horizon:kolla /var/log/kolla/horizon
fi

#!/bin/bash
# kolla_extend_start of the keystone images (sourced by kolla_start as keystone).

KEYSTONE_LOG_DIR=/var/log/kolla/keystone
mkdir -p "${KEYSTONE_LOG_DIR}"
if [[ $(stat -c %a "${KEYSTONE_LOG_DIR}") != "755" ]]; then
    chmod 755 "${KEYSTONE_LOG_DIR}"
fi

. /usr/local/bin/kolla_keystone_extend_start

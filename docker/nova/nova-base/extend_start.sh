#!/bin/bash
# kolla_extend_start of the nova images (sourced by kolla_start).

mkdir -p /var/log/kolla/nova
if [[ $(stat -c %a /var/log/kolla/nova) != "755" ]]; then
    chmod 755 /var/log/kolla/nova
fi

. /usr/local/bin/kolla_nova_extend_start

#!/bin/bash
# kolla_extend_start of the openvswitch images (sourced by kolla_start, as root).

mkdir -p /var/log/kolla/openvswitch /run/openvswitch
if [[ $(stat -c %a /var/log/kolla/openvswitch) != "755" ]]; then
    chmod 755 /var/log/kolla/openvswitch
fi

. /usr/local/bin/kolla_openvswitch_extend_start

#!/bin/bash
# kolla_extend_start of the neutron images (sourced by kolla_start).

mkdir -p /var/log/kolla/neutron
if [[ $(stat -c %a /var/log/kolla/neutron) != "755" ]]; then
    chmod 755 /var/log/kolla/neutron
fi

. /usr/local/bin/kolla_neutron_extend_start

#!/bin/bash
# kolla_extend_start of the heat images (sourced by kolla_start).

mkdir -p /var/log/kolla/heat
if [[ $(stat -c %a /var/log/kolla/heat) != "755" ]]; then
    chmod 755 /var/log/kolla/heat
fi

. /usr/local/bin/kolla_heat_extend_start

#!/bin/bash
# kolla_extend_start of the placement images (sourced by kolla_start).

mkdir -p /var/log/kolla/placement
if [[ $(stat -c %a /var/log/kolla/placement) != "755" ]]; then
    chmod 755 /var/log/kolla/placement
fi

. /usr/local/bin/kolla_placement_extend_start

#!/bin/bash
# kolla_extend_start of the glance images (sourced by kolla_start).

mkdir -p /var/log/kolla/glance
if [[ $(stat -c %a /var/log/kolla/glance) != "755" ]]; then
    chmod 755 /var/log/kolla/glance
fi

. /usr/local/bin/kolla_glance_extend_start

#!/bin/bash
# kolla_extend_start of haproxy (sourced by kolla_start, as root: haproxy binds the
# service ports, then drops to the user its configuration names).

mkdir -p /var/log/kolla/haproxy /run/haproxy
if [[ $(stat -c %a /var/log/kolla/haproxy) != "755" ]]; then
    chmod 755 /var/log/kolla/haproxy
fi

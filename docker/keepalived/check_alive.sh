#!/bin/bash
# /check_alive.sh: keepalived's vrrp_script as kolla-ansible configures it
# (`script "/check_alive.sh"` in keepalived.conf). kolla-ansible copies one
# check_alive_<service>.sh per enabled load-balancer service (haproxy, proxysql) into
# /checks; the node is alive when every one of them succeeds. No checks: alive.

shopt -s nullglob
for check in /checks/check_alive_*.sh; do
    if ! "${check}"; then
        echo "check_alive: ${check} failed" >&2
        exit 1
    fi
done
exit 0

#!/bin/bash
# Sourced by kolla_extend_start (nova-base) in nova-compute: the instances directory
# lives in the /var/lib/nova volume.

if [[ ! -d /var/lib/nova/instances ]]; then
    mkdir -p /var/lib/nova/instances
fi

#!/bin/bash
# Sourced by kolla_extend_start (openvswitch-base) in openvswitch-db-server: the
# database in the /var/lib/openvswitch volume is created on first start and converted
# to the current schema after an upgrade.

mkdir -p /var/lib/openvswitch
if [[ ! -e /var/lib/openvswitch/conf.db ]]; then
    ovsdb-tool create /var/lib/openvswitch/conf.db
fi
if [[ $(ovsdb-tool needs-conversion /var/lib/openvswitch/conf.db) == yes ]]; then
    ovsdb-tool convert /var/lib/openvswitch/conf.db
fi
touch /var/log/kolla/openvswitch/ovsdb-server.log

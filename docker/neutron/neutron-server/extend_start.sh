#!/bin/bash
# Sourced by kolla_extend_start (neutron-base) in neutron-server. Any value of a
# variable counts, the empty one too.
#   KOLLA_BOOTSTRAP  schema of neutron and of the NEUTRON_BOOTSTRAP_SERVICES subprojects
#   KOLLA_UPGRADE    migrations: --expand with NEUTRON_DB_EXPAND, --contract with
#                    NEUTRON_DB_CONTRACT, also for NEUTRON_ROLLING_UPGRADE_SERVICES

if [[ -v KOLLA_BOOTSTRAP ]]; then
    neutron-db-manage --subproject neutron upgrade head
    for service in ${NEUTRON_BOOTSTRAP_SERVICES-}; do
        neutron-db-manage --subproject "${service}" upgrade head
    done
    exit 0
fi

if [[ -v KOLLA_UPGRADE ]]; then
    DB_ACTION=""
    if [[ -v NEUTRON_DB_EXPAND ]]; then
        DB_ACTION="--expand"
        echo "Expanding database"
    fi
    if [[ -v NEUTRON_DB_CONTRACT ]]; then
        DB_ACTION="--contract"
        echo "Contracting database"
    fi
    neutron-db-manage --subproject neutron upgrade ${DB_ACTION}
    for service in ${NEUTRON_ROLLING_UPGRADE_SERVICES-}; do
        neutron-db-manage --subproject "${service}" upgrade ${DB_ACTION}
    done
    exit 0
fi

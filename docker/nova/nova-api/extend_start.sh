#!/bin/bash
# Sourced by kolla_extend_start (nova-base). Each branch ends the container; any value
# of the variable counts, the empty one too.
#   KOLLA_BOOTSTRAP     API and cell databases, online data migrations
#   KOLLA_UPGRADE       API and cell databases (before an upgrade)
#   KOLLA_OSM           online data migrations (after it)
#   KOLLA_UPGRADE_CHECK nova-status upgrade check

if [[ -v KOLLA_BOOTSTRAP ]]; then
    nova-manage api_db sync
    nova-manage db sync --local_cell
    nova-manage db online_data_migrations
    exit 0
fi

if [[ -v KOLLA_UPGRADE ]]; then
    nova-manage api_db sync
    nova-manage db sync --local_cell
    exit 0
fi

if [[ -v KOLLA_OSM ]]; then
    nova-manage db online_data_migrations
    exit 0
fi

if [[ -v KOLLA_UPGRADE_CHECK ]]; then
    nova-status upgrade check
    exit $?
fi

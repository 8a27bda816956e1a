#!/bin/bash
# Sourced by kolla_extend_start (nova-base) in nova-conductor: cell database steps.
# KOLLA_BOOTSTRAP: schema and online data migrations; KOLLA_UPGRADE: schema;
# KOLLA_OSM: online data migrations. Any value counts, the empty one too.

if [[ -v KOLLA_BOOTSTRAP ]]; then
    nova-manage db sync --local_cell
    nova-manage db online_data_migrations
    exit 0
fi

if [[ -v KOLLA_UPGRADE ]]; then
    nova-manage db sync --local_cell
    exit 0
fi

if [[ -v KOLLA_OSM ]]; then
    nova-manage db online_data_migrations
    exit 0
fi

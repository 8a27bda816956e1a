#!/bin/bash
# Sourced by kolla_extend_start (placement-base). KOLLA_BOOTSTRAP: schema and online
# data migrations; KOLLA_UPGRADE: schema only (before the upgrade); KOLLA_OSM: online
# data migrations only (after it). Any value counts, the empty one too.

if [[ -v KOLLA_BOOTSTRAP ]]; then
    placement-manage db sync
    placement-manage db online_data_migrations
    exit 0
fi

if [[ -v KOLLA_UPGRADE ]]; then
    placement-manage db sync
    exit 0
fi

if [[ -v KOLLA_OSM ]]; then
    placement-manage db online_data_migrations
    exit 0
fi

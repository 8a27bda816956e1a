#!/bin/bash
# Sourced by kolla_extend_start (keystone-base). Each branch runs its keystone-manage
# step and ends the container: KOLLA_BOOTSTRAP (db_sync), KOLLA_UPGRADE (expand then
# migrate), KOLLA_FINISH_UPGRADE (contract). Any value counts, the empty one too.

EXTRA_KEYSTONE_MANAGE_ARGS=${EXTRA_KEYSTONE_MANAGE_ARGS-}

if [[ -v KOLLA_UPGRADE ]]; then
    keystone-manage ${EXTRA_KEYSTONE_MANAGE_ARGS} db_sync --expand
    keystone-manage ${EXTRA_KEYSTONE_MANAGE_ARGS} db_sync --migrate
    exit 0
fi

if [[ -v KOLLA_FINISH_UPGRADE ]]; then
    keystone-manage ${EXTRA_KEYSTONE_MANAGE_ARGS} db_sync --contract
    exit 0
fi

if [[ -v KOLLA_BOOTSTRAP ]]; then
    keystone-manage ${EXTRA_KEYSTONE_MANAGE_ARGS} db_sync
    exit 0
fi

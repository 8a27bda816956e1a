#!/bin/bash
# Sourced by kolla_extend_start (glance-base). KOLLA_BOOTSTRAP: create the schema and
# load the metadata definitions. KOLLA_UPGRADE: the expand/migrate/contract phases
# selected by GLANCE_DB_EXPAND, GLANCE_DB_MIGRATE, GLANCE_DB_CONTRACT. Any value of
# these variables counts, the empty one too.

if [[ -v KOLLA_BOOTSTRAP ]]; then
    glance-manage db_sync
    glance-manage db_load_metadefs
    exit 0
fi

if [[ -v KOLLA_UPGRADE ]]; then
    if [[ -v GLANCE_DB_EXPAND ]]; then
        echo "Expanding database"
        glance-manage db expand
    fi
    if [[ -v GLANCE_DB_MIGRATE ]]; then
        echo "Migrating database"
        glance-manage db migrate
    fi
    if [[ -v GLANCE_DB_CONTRACT ]]; then
        echo "Contracting database"
        glance-manage db contract
    fi
    exit 0
fi

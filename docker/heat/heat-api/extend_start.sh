#!/bin/bash
# Sourced by kolla_extend_start (heat-base) in heat-api. KOLLA_BOOTSTRAP (any value,
# the empty one too): create the schema, then the heat_user_domain domain and its
# admin heat_domain_admin (password HEAT_DOMAIN_ADMIN_PASSWORD) unless they exist;
# the openstack client takes its credentials from the OS_* environment.

if [[ -v KOLLA_BOOTSTRAP ]]; then
    heat-manage db_sync

    if ! openstack domain list -f value -c Name | grep -qx heat_user_domain; then
        openstack domain create heat_user_domain
        openstack user create --domain heat_user_domain heat_domain_admin --password "${HEAT_DOMAIN_ADMIN_PASSWORD}"
        openstack role add --domain heat_user_domain --user-domain heat_user_domain --user heat_domain_admin admin
    fi
    exit 0
fi

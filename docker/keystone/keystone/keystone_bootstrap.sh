#!/bin/bash
# kolla_keystone_bootstrap USER PASSWORD PROJECT ROLE [ADMIN_URL] INTERNAL_URL PUBLIC_URL REGION
#
# Runs `keystone-manage bootstrap` for kolla-ansible and prints one JSON object,
# {"failed": ..., "changed": ...}, so the caller can report idempotency: "changed" is
# false when keystone skipped every creation. PASSWORD may be empty, then
# $OS_BOOTSTRAP_PASSWORD is used (keeps it off command lines). With 8 arguments the
# 5th (a legacy admin URL) is ignored.

set -o pipefail

USERNAME=$1
PASSWORD=${2:-${OS_BOOTSTRAP_PASSWORD:-}}
PROJECT=$3
ROLE=$4
if [[ $# -ge 8 ]]; then
    INTERNAL_URL=$6
    PUBLIC_URL=$7
    REGION=$8
else
    INTERNAL_URL=$5
    PUBLIC_URL=$6
    REGION=$7
fi

json_escape() {
    # control characters made visible, then \ and " escaped
    cat -v | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr '\n' ' '
}

if ! output=$(keystone-manage bootstrap \
        --bootstrap-username "${USERNAME}" \
        --bootstrap-password "${PASSWORD}" \
        --bootstrap-project-name "${PROJECT}" \
        --bootstrap-role-name "${ROLE}" \
        --bootstrap-internal-url "${INTERNAL_URL}" \
        --bootstrap-public-url "${PUBLIC_URL}" \
        --bootstrap-service-name keystone \
        --bootstrap-region-id "${REGION}" 2>&1); then
    echo "{\"failed\": true, \"msg\": \"$(printf '%s' "${output}" | json_escape)\", \"changed\": true}"
    exit 1
fi

skipped=$(printf '%s\n' "${output}" | grep -c -E \
    -e 'Domain default already exists, skipping creation\.' \
    -e "Project ${PROJECT} already exists, skipping creation\." \
    -e "User ${USERNAME} already exists, skipping creation\." \
    -e "Role ${ROLE} exists, skipping creation\." \
    -e "User ${USERNAME} already has ${ROLE} on ${PROJECT}\." \
    -e "Region ${REGION} exists, skipping creation\." \
    -e 'Skipping internal endpoint as already created' \
    -e 'Skipping public endpoint as already created' || true)

# keystone prints nine such lines when it changed nothing (kolla's threshold)
if [[ ${skipped} -ge 9 ]]; then
    echo '{"failed": false, "changed": false}'
else
    echo '{"failed": false, "changed": true}'
fi

#!/bin/bash
# kolla_start: the CMD of every kolla-oci image (kolla's start contract).
#
#   1. kolla_set_configs, as root through sudo (-E keeps KOLLA_CONFIG_STRATEGY etc.),
#      copies the configuration from /var/lib/kolla/config_files/config.json and writes
#      the service's command line to /run_command;
#   2. kolla_copy_cacerts and kolla_install_projects, as root;
#   3. the image's kolla_extend_start hook is sourced (bootstrap/upgrade branches, log
#      directories, ARGS), unless KOLLA_SKIP_EXTEND_START is set, even to "";
#   4. the command is exec'd, split into words, without a shell (no globbing either).

set -o errexit
set -o pipefail
set -o nounset
set -o xtrace

sudo -E kolla_set_configs
CMD=$(cat /run_command)
ARGS=""

sudo kolla_copy_cacerts

sudo kolla_install_projects

if [[ ! -v KOLLA_SKIP_EXTEND_START ]]; then
    . kolla_extend_start
fi

echo "Running command: '${CMD}${ARGS:+ $ARGS}'"
set -o noglob
# shellcheck disable=SC2086  # word splitting is the contract
exec ${CMD} ${ARGS}

#!/bin/bash
# kolla_extend_start of rabbitmq (sourced by kolla_start, as rabbitmq).
# KOLLA_BOOTSTRAP (any value, the empty one too): write RABBITMQ_CLUSTER_COOKIE as the
# node's Erlang cookie, then exit.

: "${RABBITMQ_LOG_DIR:=/var/log/kolla/rabbitmq}"

if [[ -v KOLLA_BOOTSTRAP ]]; then
    # replaced, not rewritten: an existing cookie is read-only
    rm -f /var/lib/rabbitmq/.erlang.cookie
    printf '%s\n' "${RABBITMQ_CLUSTER_COOKIE}" > /var/lib/rabbitmq/.erlang.cookie
    chmod 400 /var/lib/rabbitmq/.erlang.cookie
    exit 0
fi

mkdir -p "${RABBITMQ_LOG_DIR}"
if [[ $(stat -c %a "${RABBITMQ_LOG_DIR}") != "755" ]]; then
    chmod 755 "${RABBITMQ_LOG_DIR}"
fi

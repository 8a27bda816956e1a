#!/bin/bash
# kolla_extend_start of keepalived (sourced by kolla_start, as root): a pid file left by
# a killed container would stop keepalived from starting.

rm -f /run/keepalived.pid /run/keepalived/keepalived.pid
mkdir -p /var/log/kolla/keepalived

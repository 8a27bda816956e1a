#!/bin/bash
# kolla_extend_start of chrony (sourced by kolla_start, as root).

mkdir -p /var/log/kolla/chrony /run/chrony
chown _chrony:_chrony /var/log/kolla/chrony /run/chrony
rm -f /run/chrony/chronyd.pid

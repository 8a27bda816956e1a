#!/bin/bash
# kolla_extend_start of rsyslog (sourced by kolla_start, as root): its state directory
# and a pid file a killed container may have left.

mkdir -p /var/lib/rsyslog /var/log/kolla
rm -f /run/rsyslogd.pid

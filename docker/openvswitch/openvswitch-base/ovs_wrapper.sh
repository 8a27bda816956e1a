#!/bin/bash
# ovs_wrapper DAEMON [ARGS]: runs an Open vSwitch daemon in the background and, on
# SIGTERM or SIGQUIT, asks it to exit through its control socket
# (/run/openvswitch/DAEMON.PID.ctl), as `ovs-appctl exit` does, instead of killing it.

name=$(basename "$1")

stop() {
    ovs-appctl -T1 -t "/run/openvswitch/${name}.${child}.ctl" exit
    exit 0
}

trap stop TERM QUIT

"$@" &
child=$!
wait "${child}"

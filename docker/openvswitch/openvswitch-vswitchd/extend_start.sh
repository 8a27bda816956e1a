#!/bin/bash
# Sourced by kolla_extend_start (openvswitch-base) in openvswitch-vswitchd: the kernel
# datapath module must be loaded (the container is privileged, /lib/modules mounted).

touch /var/log/kolla/openvswitch/ovs-vswitchd.log
modprobe openvswitch || echo "could not load the openvswitch module (is it built in?)"

#!/bin/bash
# kolla_toolbox: the toolbox's long-running command. kolla-ansible execs its modules in
# the container; this just waits, and ends at once on SIGTERM or SIGQUIT.

trap 'exit 0' TERM QUIT

while :; do
    sleep 1 &
    wait $!
done

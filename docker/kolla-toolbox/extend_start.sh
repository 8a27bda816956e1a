#!/bin/bash
# kolla_extend_start of kolla-toolbox (sourced by kolla_start, as ansible): Ansible's
# log file, shared with the other containers' logs.

if [[ ! -f /var/log/kolla/ansible.log ]]; then
    touch /var/log/kolla/ansible.log
fi
if [[ $(stat -c %a /var/log/kolla/ansible.log) != "664" ]]; then
    chmod 664 /var/log/kolla/ansible.log
fi

#!/bin/bash
# kolla_neutron_extend_start of neutron-l3-agent (sourced by kolla_start, as neutron).
# kolla-ansible passes KOLLA_LEGACY_IPTABLES=true when the host's iptables is the legacy
# one (neutron_legacy_iptables): the agent's rules must go to the same backend as the
# host's, so the image's iptables alternatives follow it.

if [[ "${KOLLA_LEGACY_IPTABLES:-false}" == "true" ]]; then
    sudo update-alternatives --set iptables /usr/sbin/iptables-legacy
    sudo update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy
else
    sudo update-alternatives --set iptables /usr/sbin/iptables-nft
    sudo update-alternatives --set ip6tables /usr/sbin/ip6tables-nft
fi

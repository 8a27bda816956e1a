#!/bin/bash
# kolla_httpd_setup: sourced by the kolla_extend_start of images whose service is
# Apache httpd (horizon). As root: loads Apache's environment and clears a stale
# /run/apache2 (httpd refuses to start over a pid file a killed container left).

if [[ $(id -u) == 0 ]]; then
    # /etc/apache2/envvars reads APACHE_CONFDIR, unset under kolla_start's nounset
    APACHE_CONFDIR=${APACHE_CONFDIR-}
    . /etc/apache2/envvars
    install -d "${APACHE_RUN_DIR:-/run/apache2}"
    rm -rf "${APACHE_RUN_DIR:-/run/apache2}"/*
fi

# Unicode by default; /etc/default/locale may choose another locale
LANG=${LANG:-C.UTF-8}
if [[ -f /etc/default/locale ]]; then
    . /etc/default/locale
fi

#!/bin/bash
# kolla_extend_start of cron (sourced by kolla_start, as root).
# KOLLA_LOGROTATE_SCHEDULE=hourly|daily|weekly|monthly moves the logrotate job to that
# cron directory (Debian ships it in /etc/cron.daily).

current=$(find /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly -name logrotate 2>/dev/null | head -n 1)

if [[ -z ${current} ]]; then
    echo "logrotate is not handled by cron"
else
    schedule=$(basename "$(dirname "${current}")")
    schedule=${schedule#cron.}
    wanted=${KOLLA_LOGROTATE_SCHEDULE:-}
    if [[ ${wanted} =~ ^(hourly|daily|weekly|monthly)$ && ${wanted} != "${schedule}" ]]; then
        mv "${current}" "/etc/cron.${wanted}/logrotate"
        schedule=${wanted}
    fi
    echo "[i] Cron schedule for logrotate is currently set to: ${schedule}."
fi

mkdir -p /var/log/kolla/cron

#!/bin/bash
# kolla_extend_start of mariadb-server (sourced by kolla_start, as mysql).
#
# KOLLA_BOOTSTRAP: initialise /var/lib/mysql, start a private server (no networking,
# Galera off), give root@localhost and root@% the password DB_ROOT_PASSWORD, drop the
# anonymous users and the test database, stop, exit. The OS user mysql reaches the
# fresh server through MariaDB's unix_socket account of the same name, so no sudo and
# no interactive security script are needed.
# KOLLA_UPGRADE: mariadb-upgrade against DB_HOST:DB_PORT, exit.
# BOOTSTRAP_ARGS: extra arguments for the command (e.g. --wsrep-new-cluster).
# Any value of these variables counts, the empty one too.

: "${MARIADB_LOG_DIR:=/var/log/kolla/mariadb}"

mkdir -p "${MARIADB_LOG_DIR}"
if [[ $(stat -c %a "${MARIADB_LOG_DIR}") != "755" ]]; then
    chmod 755 "${MARIADB_LOG_DIR}"
fi

bootstrap_db() {
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db
    mariadbd-safe --wsrep-new-cluster --skip-networking --wsrep-on=OFF \
        --pid-file=/var/lib/mysql/mariadb.pid &
    local timeout=${DB_MAX_TIMEOUT:-60}
    until [[ -S /run/mysqld/mysqld.sock && -f /var/lib/mysql/mariadb.pid ]]; do
        if (( timeout-- <= 0 )); then
            echo "MariaDB did not start" >&2
            exit 1
        fi
        sleep 1
    done
    set +o xtrace
    local password=${DB_ROOT_PASSWORD//\\/\\\\}
    password=${password//\'/\\\'}
    mariadb --protocol=socket -u mysql <<SQL
DROP USER IF EXISTS ''@'localhost';
DROP USER IF EXISTS ''@'$(hostname)';
DROP DATABASE IF EXISTS test;
ALTER USER 'root'@'localhost' IDENTIFIED BY '${password}';
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '${password}';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
    set -o xtrace
    mariadb-admin --protocol=socket -u mysql shutdown
}

if [[ -v KOLLA_BOOTSTRAP ]]; then
    bootstrap_db 2>&1 | tee -a "${MARIADB_LOG_DIR}/mariadb-bootstrap.log"
    exit 0
fi

if [[ -v KOLLA_UPGRADE ]]; then
    # mariadb-upgrade takes every directory of the data dir for a database
    rm -rf /var/lib/mysql/.pki
    mariadb-upgrade --host="${DB_HOST}" --port="${DB_PORT}" --user=root \
        --password="${DB_ROOT_PASSWORD}" 2>&1 | tee -a "${MARIADB_LOG_DIR}/mariadb-upgrade.log"
    exit 0
fi

if [[ -v BOOTSTRAP_ARGS ]]; then
    ARGS="${BOOTSTRAP_ARGS}"
fi

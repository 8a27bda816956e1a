FROM kolla/base:master
LABEL maintainer="Kolla Project (https://launchpad.net/kolla)" name="keystone-base" build-date="20240101"

USER root
RUN apt-get update \
    && apt-get -y install --no-install-recommends apache2 libapache2-mod-wsgi-py3 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

ADD keystone-base-archive /keystone-base-source
COPY keystone_bootstrap.sh /usr/local/bin/kolla_keystone_bootstrap
RUN ln -s keystone-base-source/* keystone \
    && chmod 755 /usr/local/bin/kolla_keystone_bootstrap
ENV KOLLA_BASE_DISTRO=debian \
    PS1="$(tput bold)($(printenv KOLLA_SERVICE_NAME))$(tput sgr0)[$(id -un)@$(hostname -s) $(pwd)]$ "
WORKDIR /var/lib/kolla
USER keystone

# syntax=docker/dockerfile:1
ARG BASE=debian:bookworm
FROM --platform=linux/amd64 ${BASE} AS builder
MAINTAINER Ops <ops@example.org>
RUN apt-get update \
    # a comment inside a continuation
    && apt-get install -y python3
RUN ["/bin/sh", "-c", "echo exec"]
ENV A=1 B="two words" C=${A}
ENV LEGACY value with spaces
LABEL maintainer="kolla" name=base
ARG X Y=2
USER 42400:42400
WORKDIR /var/lib/kolla
COPY --chown=42400:42400 --chmod=0644 a.txt b.txt /dst/
ADD ["archive.tar", "/srv/"]
EXPOSE 80 443/tcp
VOLUME ["/var/log"]
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/
STOPSIGNAL SIGTERM
ONBUILD RUN echo later
CMD ["kolla_start"]
ENTRYPOINT dumb-init --single-child --
FROM builder
COPY --from=builder /out /out

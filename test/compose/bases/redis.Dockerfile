# Local stand-in for the registry image redis:7.4-alpine: Debian bookworm's redis-server (7.0) with
# the official image's behaviour the compose file relies on — WORKDIR and volume /data, redis-server
# run as the redis user owning /data, protected mode off (a password, when given, is the guard).
ARG MINBASE
FROM ${MINBASE}
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
VOLUME ["/data"]
EXPOSE 6379
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]

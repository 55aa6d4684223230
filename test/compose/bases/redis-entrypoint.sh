#!/bin/sh
# As the official redis image's entrypoint: a first argument that is a flag belongs to redis-server;
# redis-server gets /data handed to the redis user and drops root. The official image's redis-server
# is built with protected mode off; Debian's is not, so it is turned off here (before the caller's
# arguments, which may turn it on again).
set -e
if [ "${1#-}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
  if [ "$(id -u)" = 0 ]; then
    find . ! -user redis -exec chown redis:redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"

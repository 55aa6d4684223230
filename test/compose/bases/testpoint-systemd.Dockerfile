# Local stand-in for the registry image perfsonar/testpoint:systemd: Debian bookworm with systemd as
# PID 1 and the measurement tools, and the project's stand-in `pscheduler` (test/fixtures/bin, with
# its canned results from test/fixtures/pscheduler) as /usr/bin/pscheduler. The real image's
# pScheduler daemons are not here; psq only runs the `pscheduler task` command line. The stand-in is
# a Node script: it runs with the node Dockerfile-perfsonar-testpoint adds to /usr/local/bin.
ARG MINBASE
FROM ${MINBASE}
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      systemd systemd-sysv dbus iproute2 iputils-ping iputils-tracepath traceroute >/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && systemctl mask getty.target console-getty.service apt-daily.timer apt-daily-upgrade.timer
COPY pscheduler-standin /usr/lib/psq-pscheduler-standin
RUN ln -s /usr/lib/psq-pscheduler-standin/bin/pscheduler /usr/bin/pscheduler
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]

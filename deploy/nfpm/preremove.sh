#!/bin/sh
# Before posit-doctor is removed (not upgraded): disable its timer and stop
# the timer and the service, so no timer stays enabled for a unit file that
# is about to disappear. The same test as rpm's %systemd_preun and Debian's
# dh_installsystemd prerm: deb prerm gets "remove" (or "upgrade NEWVERSION",
# "deconfigure", "failed-upgrade"); rpm %preun gets the number of versions
# left after the transaction, 0 on removal and 1 on upgrade.
case "$1" in
remove | 0) ;;
*) exit 0 ;;
esac
command -v systemctl >/dev/null 2>&1 || exit 0
# disable needs no running systemd (it removes the enablement links, as in
# a container or a chroot); stop needs one.
systemctl --no-reload disable posit-doctor.timer >/dev/null 2>&1 || true
if [ -d /run/systemd/system ]; then
  systemctl stop posit-doctor.timer posit-doctor.service >/dev/null 2>&1 || true
fi
exit 0

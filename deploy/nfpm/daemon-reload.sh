#!/bin/sh
# Tell a running systemd about the installed, changed or removed units. The
# timer is never enabled here: 'systemctl enable --now posit-doctor.timer'
# is the administrator's decision.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0

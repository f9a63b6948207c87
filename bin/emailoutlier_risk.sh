#!/bin/sh
# The emailoutlier_risk alert action (default/alert_actions.conf). splunkd runs this file as
# `emailoutlier_risk.sh --execute` with the JSON payload on stdin. It runs the app's one
# emailoutlier binary, choosing as splunkd does for the search command: the packaged
# linux_x86_64 build on Linux x86_64, else an admin's own build in this folder (bin/README).
here=$(dirname "$0")
if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] && [ -x "$here/../linux_x86_64/bin/emailoutlier" ]; then
    exec "$here/../linux_x86_64/bin/emailoutlier" "$@"
fi
if [ -x "$here/emailoutlier" ]; then
    exec "$here/emailoutlier" "$@"
fi
echo "ERROR emailoutlier_risk: no emailoutlier executable for $(uname -s) $(uname -m) in $here/../linux_x86_64/bin or $here (see bin/README)" >&2
exit 1

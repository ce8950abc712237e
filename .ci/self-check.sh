#!/usr/bin/env bash
# Baton's main job on this repository: the release-readiness check, using the coverage reports
# the test run just wrote. Its verdict is printed, not enforced (exit 1 = not ready is a result);
# a usage or setup error (exit 2) fails CI.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
node apps/cli/dist/cli.js orchestrate release-prep --path . --verbose
status=$?
if [ "$status" -eq 2 ]; then
  echo "release-prep could not run on this repository (exit 2)" >&2
  exit 1
fi
echo "release-prep verdict on this repository: exit $status ($([ "$status" -eq 0 ] && echo approved || echo not approved))"

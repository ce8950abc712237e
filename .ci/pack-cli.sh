#!/usr/bin/env bash
# The packed CLI installs into an empty folder with npm and runs there, with nothing from this
# repository but the tarball.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$root/apps/cli" && pnpm pack --pack-destination "$work" >/dev/null)
tarball=$(ls "$work"/*.tgz)
echo "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$tarball"
baton="$work/app/node_modules/.bin/baton"

"$baton" --version
"$baton" plan "perform comprehensive security audit" --json | node -e '
  let text = ""; process.stdin.on("data", (c) => (text += c)).on("end", () => {
    const { plan } = JSON.parse(text);
    if (plan.strategy !== "parallel" || plan.domain !== "security") {
      console.error("unexpected plan from the packed CLI:", plan.strategy, plan.domain);
      process.exit(1);
    }
    console.log(`plan ok: ${plan.strategy}, ${plan.agents.length} agent(s), ${plan.estimatedCost} units`);
  });'

cp -R "$root/packages/workflows/test/fixtures/release-blocked" "$work/project"
set +e
"$baton" orchestrate release-prep --path "$work/project" --audit-file "$work/project/audit/npm-audit.json" > "$work/report.txt"
status=$?
set -e
if [ "$status" -ne 1 ] || ! grep -q "NOT READY" "$work/report.txt"; then
  cat "$work/report.txt"
  echo "packed CLI: expected NOT READY with exit 1 on the blocked fixture, got exit $status" >&2
  exit 1
fi
echo "release-prep ok from the packed CLI: NOT READY, exit 1, as the fixture's planted problems demand"

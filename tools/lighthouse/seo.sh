#!/usr/bin/env bash
# Lighthouse SEO scores of the public pages of a running demo site (`make run`): home,
# workshop listing, a workshop, the masterclass library and a lesson. Prints one line
# per page and exits non-zero when any page is below 100. Usage: seo.sh [BASE_URL]
set -euo pipefail
base=${1:-http://127.0.0.1:8000}
here=$(cd "$(dirname "$0")" && pwd)
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
out=$(mktemp -d)
status=0
[ -x "$here/node_modules/.bin/lighthouse" ] || (cd "$here" && npm ci --no-audit --no-fund >/dev/null)
for path in / /workshops/ /workshops/myofascial-release-shoulder/ /masterclasses/ /masterclasses/persistent-low-back-pain/why-the-first-conversation-matters/; do
  "$here/node_modules/.bin/lighthouse" "$base$path" --quiet --only-categories=seo \
    --chrome-flags="--headless --no-sandbox" --output=json --output-path="$out/report.json" >/dev/null 2>&1
  node -e '
    const r = require(process.argv[1]);
    const score = Math.round(r.categories.seo.score * 100);
    const failed = Object.values(r.audits).filter(a => r.categories.seo.auditRefs.some(x => x.id === a.id && x.weight > 0) && a.score !== null && a.score < 1).map(a => a.id);
    console.log(`${String(score).padStart(3)}  ${process.argv[2]}${failed.length ? "  failing: " + failed.join(", ") : ""}`);
    process.exit(score === 100 ? 0 : 1);
  ' "$out/report.json" "$path" || status=1
done
rm -rf "$out"
exit $status

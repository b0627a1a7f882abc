#!/usr/bin/env bash
# Back up what the business cannot lose: the database (pg_dump, custom format) and the
# uploaded files (public media and members-only lesson videos), with checksums.
#
#   deploy/backup.sh [DEST]        DEST defaults to /var/backups/physiomassage
#
# Reads DATABASE_URL, MEDIA_ROOT and PRIVATE_MEDIA_ROOT from the environment (systemd:
# EnvironmentFile=/etc/physiomassage/env); with S3_MEDIA_BUCKET and S3_PRIVATE_BUCKET (and
# S3_ENDPOINT_URL, AWS_*) it also copies every object of both buckets (bucket_backup.py).
# Each run writes DEST/<UTC timestamp>/ and prints its path last, so
# `restore.sh "$(backup.sh | tail -1)"` works. Keep DEST on another disk or sync it off
# the machine (e.g. `rclone sync DEST remote:backups`).
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL is not set: source the production env file first}"
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
[ -x "$python" ] || python=python3
dest_root="${1:-/var/backups/physiomassage}"
dest="$dest_root/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$dest"
chmod 700 "$dest"

pg_dump --format=custom --no-owner --no-privileges --file="$dest/database.dump" "$DATABASE_URL"
echo "database: $(du -h "$dest/database.dump" | cut -f1)" >&2

for name in MEDIA_ROOT PRIVATE_MEDIA_ROOT; do
  dir="${!name:-}"
  if [ -n "$dir" ] && [ -d "$dir" ]; then
    tar --create --gzip --file="$dest/$name.tar.gz" --directory="$dir" .
    echo "$name: $(du -h "$dest/$name.tar.gz" | cut -f1) from $dir" >&2
  else
    echo "$name: not set or no such directory, skipped" >&2
  fi
done

# Object store: one directory per bucket (objects/ + manifest.json), named by its role.
pairs=()
for name in S3_MEDIA_BUCKET S3_PRIVATE_BUCKET; do
  if [ -n "${!name:-}" ]; then pairs+=("${!name}" "$dest/$name"); fi
done
if [ "${#pairs[@]}" -gt 0 ]; then
  "$python" "$here/bucket_backup.py" backup "${pairs[@]}" >&2
fi

(cd "$dest" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
echo "$dest"

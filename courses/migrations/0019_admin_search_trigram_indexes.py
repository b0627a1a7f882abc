"""Trigram indexes for the admin's search boxes (PostgreSQL only).

Wagtail's admin search is ``UPPER(column::text) LIKE UPPER('%term%')`` on every search
field. A btree cannot serve a leading ``%``; a GIN index of the same ``UPPER(...)``
expression with ``gin_trgm_ops`` can, so a search through 50,000 registrations or
20,000 orders reads a few index pages instead of every row. The search itself
(``courses.admin_search``) keeps each table's fields in one OR, which PostgreSQL answers
with one bitmap scan per index.

SQLite (``make run``) gets nothing here: its tables are small and it has no pg_trgm.
The indexes are not in any model's ``Meta`` because SQLite could not create them.
"""

from django.db import migrations

# (index name, table, expression as the admin search writes it)
TRIGRAM_INDEXES = [
    ("registration_name_trgm", "courses_registration", "attendee_name::text"),
    ("registration_email_trgm", "courses_registration", "attendee_email::text"),
    ("registration_licence_trgm", "courses_registration", "licence_number::text"),
    ("registration_code_trgm", "courses_registration", "code::text"),
    ("registration_reservation_trgm", "courses_registration", "reservation::text"),
    ("order_reference_trgm", "payments_order", "reference::text"),
    ("order_email_trgm", "payments_order", "email::text"),
    ("order_checkout_trgm", "payments_order", "stripe_checkout_session_id::text"),
    ("order_intent_trgm", "payments_order", "stripe_payment_intent_id::text"),
    ("user_email_trgm", "accounts_user", "email::text"),
    ("user_full_name_trgm", "accounts_user", "full_name::text"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # A trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ((UPPER({expression})) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0018_admin_list_and_email_indexes"),
        ("payments", "0012_admin_list_and_email_indexes"),
        ("accounts", "0003_alter_deletionrequest_status_and_more"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]

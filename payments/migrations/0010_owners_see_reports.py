"""The business reports (``payments.view_reports``) are for the owner: superusers have
every permission, and an "Owners" group holds this one (plus admin access) for an owner
who is not a superuser. No editor or event-staff group gets it."""

from django.db import migrations

OWNERS = "Owners"


def owners_see_reports(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    funnel_type, _ = ContentType.objects.get_or_create(app_label="payments", model="funnelcount")
    view_reports, _ = Permission.objects.get_or_create(
        content_type=funnel_type,
        codename="view_reports",
        defaults={"name": "Can see the business reports (revenue, members)"},
    )
    owners, _ = Group.objects.get_or_create(name=OWNERS)
    owners.permissions.add(view_reports)
    access_admin = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access_admin:
        owners.permissions.add(access_admin)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0009_reports_funnel_and_indexes"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(owners_see_reports, migrations.RunPython.noop)]

from django.db import migrations


def name_site(apps, schema_editor):
    site_model = apps.get_model("sites", "Site")
    site_model.objects.update_or_create(
        pk=1, defaults={"domain": "physiomassage.example", "name": "PhysioMassage Academy"}
    )


class Migration(migrations.Migration):
    """E-mails from allauth sign with the site's name; Django's default is example.com."""

    dependencies = [("cms", "0001_initial"), ("sites", "0002_alter_domain_unique")]

    operations = [migrations.RunPython(name_site, migrations.RunPython.noop)]

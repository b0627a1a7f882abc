import time

from django.conf import settings
from django.core.management.base import BaseCommand

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from demo import content


class Command(BaseCommand):
    help = "Print the demo accounts that seed_demo creates."

    def handle(self, *args, **options):
        rows = [
            ("Editor (Wagtail admin)", content.EDITOR_EMAIL, content.EDITOR_PASSWORD),
            ("Administrator", content.ADMIN_EMAIL, content.ADMIN_PASSWORD),
            ("Member (masterclasses)", content.MEMBER_EMAIL, content.MEMBER_PASSWORD),
            ("Visitor (no membership)", content.VISITOR_EMAIL, content.VISITOR_PASSWORD),
            ("Event staff (check-in)", content.STAFF_EMAIL, content.STAFF_PASSWORD),
            ("Therapist (certificate)", content.THERAPIST_EMAIL, content.THERAPIST_PASSWORD),
        ]
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo site: {settings.SITE_URL}/  admin: {settings.SITE_URL}/admin/"
            )
        )
        for label, email, password in rows:
            self.stdout.write(f"  {label:<24} {email:<34} {password}")
        code = format_hotp_value(hotp_value(content.DEMO_TOTP_SECRET, int(time.time()) // 30))
        self.stdout.write(
            f"  Staff second factor: authenticator secret {content.DEMO_TOTP_SECRET} "
            f"(code right now: {code})"
        )
        self.stdout.write("")

"""Let browsers on SITE_URL fetch lesson videos and HLS segments from the private bucket:
`manage.py object_store_cors [--origin https://…]` (see courses/services/object_store.py)."""

from django.core.management.base import BaseCommand, CommandError

from courses.services.object_store import ObjectStoreNotConfigured, private_bucket_cors_apply


class Command(BaseCommand):
    help = "Apply the CORS rule (GET/HEAD, Range, SITE_URL's origin) to the private bucket."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--origin", default="", help="Allowed origin; default SITE_URL's.")

    def handle(self, *args, **options) -> None:
        try:
            bucket, configuration = private_bucket_cors_apply(origin=options["origin"])
        except (ObjectStoreNotConfigured, ValueError) as error:
            raise CommandError(str(error)) from error
        (rule,) = configuration["CORSRules"]
        self.stdout.write(
            f"CORS on bucket {bucket}: {', '.join(rule['AllowedMethods'])} from "
            f"{', '.join(rule['AllowedOrigins'])}, headers {', '.join(rule['AllowedHeaders'])}"
        )

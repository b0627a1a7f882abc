"""Build the demo site. Safe to run again: every step finds what it made before."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from wagtail.models import Page, Site

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from cms.models import ArticleIndexPage, ArticlePage, HomePage, SiteSettings, StandardPage
from cms.services import site_sync
from demo import content
from demo.aftersale import seed_aftersale
from demo.groups import EDITORS, ensure_editors_group, ensure_tree_roots
from demo.history import seed_history
from demo.images import demo_image
from demo.masterclasses import seed_masterclasses
from demo.refunds import seed_refunds
from demo.waitlist import seed_waitlist
from demo.workshops import seed_workshops


def stream(blocks: list[tuple[str, object]]) -> list[dict]:
    return [{"type": kind, "value": value} for kind, value in blocks]


class Command(BaseCommand):
    help = "Create or update the demo site, its content and its demo accounts."

    @transaction.atomic
    def handle(self, *args, **options):
        ensure_tree_roots()
        home = self.seed_home()
        self.seed_about(home)
        self.seed_articles(home)
        self.seed_settings(home)
        ensure_editors_group(home)
        self.seed_accounts()
        seed_workshops(home)
        seed_masterclasses(home)
        seed_aftersale(home)
        seed_refunds()
        seed_waitlist()
        seed_history()
        self.seed_second_factors()
        self.stdout.write(self.style.SUCCESS("Demo site ready."))

    def seed_second_factors(self) -> None:
        """Staff accounts must use a second factor; the demo's share one known secret."""
        for email in (content.ADMIN_EMAIL, content.EDITOR_EMAIL, content.STAFF_EMAIL):
            user = get_user_model().objects.get(email=email)
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, content.DEMO_TOTP_SECRET)

    def seed_home(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = Page.objects.get(depth=1)
            home = HomePage(
                **{k: v for k, v in content.HOME.items() if k != "title"},
                title=content.HOME["title"],
                slug="home",
                hero_image=demo_image("Hands-on practice", "teal", seed=3),
            )
            # Wagtail's welcome page holds the "home" slug; retire it.
            welcome = Page.objects.filter(depth=2, slug="home").exclude(
                content_type__model="homepage"
            )
            for page in welcome:
                page.slug = f"welcome-{page.pk}"
                page.save_revision().publish()
            root.add_child(instance=home)
            home.save_revision().publish()
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={
                    "root_page": home,
                    "site_name": "PhysioMassage Academy",
                },
            )
            for page in welcome:
                page.delete()
        return home

    def seed_about(self, home: HomePage) -> None:
        if StandardPage.objects.filter(slug=content.ABOUT["slug"]).exists():
            return
        about = StandardPage(
            title=content.ABOUT["title"],
            slug=content.ABOUT["slug"],
            intro=content.ABOUT["intro"],
            body=stream(content.ABOUT["body"]),
            hero_image=demo_image("Our studio", "sage", seed=5),
            show_in_menus=True,
        )
        home.add_child(instance=about)
        about.save_revision().publish()

    def seed_articles(self, home: HomePage) -> None:
        index = ArticleIndexPage.objects.first()
        if index is None:
            index = ArticleIndexPage(
                title=content.ARTICLE_INDEX["title"],
                slug=content.ARTICLE_INDEX["slug"],
                intro=content.ARTICLE_INDEX["intro"],
                show_in_menus=True,
            )
            home.add_child(instance=index)
            index.save_revision().publish()
        for number, data in enumerate(content.ARTICLES, start=1):
            if ArticlePage.objects.filter(slug=data["slug"]).exists():
                continue
            article = ArticlePage(
                title=data["title"],
                slug=data["slug"],
                author=data["author"],
                date=datetime.date.fromisoformat(data["date"]),
                intro=data["intro"],
                body=stream(data["body"]),
                hero_image=demo_image(data["title"][:60], data["palette"], seed=number * 2),
            )
            index.add_child(instance=article)
            article.tags.add(*data["tags"])
            article.save_revision().publish()

    def seed_settings(self, home: HomePage) -> None:
        site = Site.objects.get(root_page=home)
        SiteSettings.objects.update_or_create(site=site, defaults=content.SITE_SETTINGS)
        # Host and port from SITE_URL, for the Wagtail Site and the Django one (allauth).
        site_sync()

    def seed_accounts(self) -> None:
        user_model = get_user_model()
        accounts = [
            (content.ADMIN_EMAIL, content.ADMIN_PASSWORD, "Site Admin", {"is_superuser": True}, []),
            (content.EDITOR_EMAIL, content.EDITOR_PASSWORD, "Erin Editor", {}, [EDITORS]),
        ]
        for email, password, name, flags, groups in accounts:
            user, created = user_model.objects.get_or_create(
                email=email, defaults={"full_name": name, "is_staff": True, **flags}
            )
            if created:
                user.set_password(password)
                user.save()
            user.groups.add(*Group.objects.filter(name__in=groups))
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )

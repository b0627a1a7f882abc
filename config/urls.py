from django.conf import settings
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.generic import RedirectView

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from accounts import urls as accounts_urls
from accounts import views as accounts_views
from cms import views as cms_views
from cms.admin_views import PageCreateView

urlpatterns = [
    # Staff sign in through allauth too (rate limits, login by code, one session).
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailadmin_login_redirect",
    ),
    # Wagtail's add-page view with creates under one parent serialised (autosave).
    path(
        "admin/pages/add/<slug:content_type_app_name>/<slug:content_type_model_name>/"
        "<int:parent_page_id>/",
        never_cache(require_admin_access(PageCreateView.as_view())),
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Sign-out also wipes this browser's offline data (the check-in app's attendee lists).
    path("accounts/logout/", accounts_views.logout, name="account_logout"),
    path("accounts/", include("allauth.urls")),
    path("account/", include(accounts_urls)),
    # Calendars, lesson video, staff check-in (/staff/...) and CE certificates.
    path("", include("courses.urls")),
    path("payments/", include("payments.urls")),
    path("search/", cms_views.search, name="search"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", cms_views.robots_txt, name="robots_txt"),
    path("favicon.ico", cms_views.favicon, name="favicon"),
    path("site.webmanifest", cms_views.web_manifest, name="web_manifest"),
    path("healthz", cms_views.healthz, name="healthz"),
]

if settings.STRIPE_USE_FAKE:
    # The in-process Stripe's stand-ins for its hosted pages (dev and tests only).
    urlpatterns += [path("payments/", include("stripe_fake.urls"))]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's page serving comes last: it catches every path not matched above.
urlpatterns += [path("", include(wagtail_urls))]

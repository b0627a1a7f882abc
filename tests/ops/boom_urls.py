"""The site's URLs plus one view that fails, for the error-tracking test."""

from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def boom(request):
    email = request.GET["email"]  # personal data in a local variable and the query string
    raise ValueError(f"checkout failed for order 42 ({len(email)} characters)")


urlpatterns = [path("boom/", boom), *site_urlpatterns]

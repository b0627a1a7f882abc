from django.urls import reverse

import pytest

from cms.models import ArticleIndexPage, ArticlePage, HomePage

pytestmark = pytest.mark.django_db


def test_home_page_shows_demo_content_not_wagtail_welcome(client, demo_site):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hands-on training that changes how you treat pain" in html
    assert "Welcome to your new Wagtail site" not in html
    assert "From the journal" in html


def test_main_navigation_lists_menu_pages(client, demo_site):
    html = client.get("/").content.decode()
    assert 'href="/about/"' in html
    assert 'href="/journal/"' in html


def test_seed_demo_is_idempotent(demo_site):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert HomePage.objects.count() == 1
    assert ArticleIndexPage.objects.count() == 1
    assert ArticlePage.objects.count() == 2


def test_article_shows_author_date_reading_time_and_tags(client, demo_site):
    article = ArticlePage.objects.get(slug="manual-therapy-plus-exercise-chronic-low-back-pain")
    response = client.get(article.url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dr. Elena Marsh" in html
    assert "min read" in html
    assert "Musculoskeletal Science and Practice" in html
    assert "low back pain" in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:image"' in html
    assert article.reading_time >= 2


def test_article_index_filters_by_tag(client, demo_site):
    html = client.get("/journal/?tag=neck-pain").content.decode()
    assert "Five questions to ask" in html
    assert "Manual therapy plus exercise" not in html


def test_article_index_bad_page_number_falls_back(client, demo_site):
    for page in ("abc", "9999"):
        response = client.get("/journal/", {"page": page})
        assert response.status_code == 200
        assert "Five questions to ask every new client with neck pain" in response.content.decode()


def test_page_has_seo_description_and_canonical(client, demo_site):
    html = client.get("/about/").content.decode()
    assert '<meta name="description" content="PhysioMassage Academy brings' in html
    assert '<link rel="canonical"' in html


def test_search_finds_articles_and_explains_no_results(client, demo_site):
    html = client.get(reverse("search"), {"q": "neck"}).content.decode()
    assert "Five questions to ask every new client with neck pain" in html
    html = client.get(reverse("search"), {"q": "zzzyqx"}).content.decode()
    assert "Nothing matched" in html


def test_sitemap_and_robots(client, demo_site):
    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert b"/journal/five-questions-new-client-neck-pain/" in sitemap.content
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in robots
    assert "Sitemap: http://testserver/sitemap.xml" in robots


def test_unknown_page_renders_friendly_404(client, page_tree):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def test_500_template_renders_without_context():
    from django.template.loader import render_to_string

    assert "Something went wrong on our side" in render_to_string("500.html")


def test_site_settings_appear_in_footer(client, demo_site):
    html = client.get("/").content.decode()
    assert "+1 (310) 555-0142" in html
    assert "bookings@physiomassage.example" in html


def test_navigation_cache_is_renewed_when_a_page_is_published(client, page_tree):
    from cms.models import HomePage, StandardPage

    assert 'href="/faq/"' not in client.get("/").content.decode()
    faq = StandardPage(title="FAQ", slug="faq", show_in_menus=True)
    HomePage.objects.get().add_child(instance=faq)
    faq.save_revision().publish()
    assert 'href="/faq/"' in client.get("/").content.decode()

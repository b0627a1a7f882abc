"""What the workshop pages show, assembled from ``courses`` selectors.

Kept out of ``models.py`` so page classes stay declarative and this logic is testable
without a page tree.
"""

import datetime
import re
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.utils import timezone
from django.utils.translation import gettext

from courses import selectors
from courses.formatting import date_range, local_date, money, money_decimal, time_range
from courses.links import absolute_url
from courses.models import Session

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass
class SessionCard:
    session: Session
    page: object
    availability: selectors.Availability
    price_from: int | None = None
    currency: str = "usd"

    @property
    def dates(self) -> str:
        return date_range(self.session.local_starts_at, self.session.local_ends_at)

    @property
    def times(self) -> str:
        return time_range(self.session.local_starts_at, self.session.local_ends_at)

    @property
    def price_from_text(self) -> str:
        return money(self.price_from, self.currency)

    @property
    def month_key(self) -> str:
        return f"{self.session.local_starts_at:%Y-%m}"


LISTING_PAGE_SIZE = 24


@dataclass
class Listing:
    """One page of upcoming sessions (``cards``), and what the filters may choose from
    (every upcoming month and city, not only this page's)."""

    cards: list[SessionCard]
    months: list[tuple[str, str]]
    cities: list[str]
    month: str = ""
    city: str = ""
    problems: list[str] = field(default_factory=list)
    page_obj: Page | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.month or self.city)

    @property
    def total(self) -> int:
        return self.page_obj.paginator.count if self.page_obj else len(self.cards)

    @property
    def month_label(self) -> str:
        match = MONTH_RE.match(self.month)
        if not match:
            return ""
        return f"{datetime.date(int(match[1]), int(match[2]), 1):%B %Y}"

    @property
    def filter_query(self) -> str:
        """The filters as a query string, for the pagination links."""
        return urlencode({k: v for k, v in (("month", self.month), ("city", self.city)) if v})


def _live_workshop_pages():
    """Live, public workshop pages: one query for view restrictions when called."""
    from cms.models import WorkshopPage

    return WorkshopPage.objects.live().public()


def _pages_by_workshop(workshop_ids: set[int], live_pages=None) -> dict[int, object]:
    pages = (
        (live_pages if live_pages is not None else _live_workshop_pages())
        .filter(workshop_id__in=workshop_ids)
        .select_related("hero_image")
        .prefetch_related("hero_image__renditions")
        .order_by("pk")
    )
    found: dict[int, object] = {}
    for page in pages:
        found.setdefault(page.workshop_id, page)
    return found


def _cards(sessions: list[Session], pages: dict[int, object]) -> list[SessionCard]:
    return [
        SessionCard(
            session=s,
            page=pages[s.workshop_id],
            availability=selectors.availability_of(s),
            price_from=s.price_from,
            currency=s.price_currency or "usd",
        )
        for s in sessions
        if s.workshop_id in pages
    ]


def upcoming_cards(*, limit: int, now=None) -> list[SessionCard]:
    """The next ``limit`` sessions that have a live workshop page (the home page's
    cards): seats and prices of those sessions only. Three queries."""
    now = now or timezone.now()
    live_pages = _live_workshop_pages()
    sessions = list(
        selectors.listing_sessions(now=now).filter(
            workshop_id__in=live_pages.values("workshop_id")
        )[:limit]
    )
    return _cards(sessions, _pages_by_workshop({s.workshop_id for s in sessions}, live_pages))


def session_listing(
    *, month: str = "", city: str = "", page: str | int | None = None, now=None
) -> Listing:
    """One page of the upcoming sessions that have a live workshop page, filtered by month
    and city, soonest first.

    Filters are applied in Python on the local (venue) date so a session starting at
    23:00 on 31 January in Los Angeles is a January session; they read a light row per
    upcoming session (no seats). Seats, prices and pages are then fetched for the page's
    sessions only. Four queries in all, whatever the number of sessions: view
    restrictions, the light rows, the page's sessions (with seats and prices), pages.
    """
    now = now or timezone.now()
    live_pages = _live_workshop_pages()
    sessions = selectors.listing_sessions(now=now).filter(
        workshop_id__in=live_pages.values("workshop_id")
    )
    rows = [
        (pk, starts_at.astimezone(zoneinfo.ZoneInfo(tz or venue_tz)), venue_city)
        for pk, starts_at, tz, venue_tz, venue_city in sessions.values_list(
            "pk", "starts_at", "time_zone", "venue__time_zone", "venue__city"
        )
    ]
    months = sorted({f"{local:%Y-%m}": f"{local:%B %Y}" for _, local, _ in rows}.items())
    cities = sorted({row_city for _, _, row_city in rows})
    listing = Listing(cards=[], months=months, cities=cities)
    month, city = (month or "").strip()[:20], (city or "").strip()[:80]
    if month:
        if MONTH_RE.match(month):
            listing.month = month
        else:
            listing.problems.append(
                gettext(
                    "We could not read that month, so we are showing every month. "
                    "Please pick one from the list."
                )
            )
    if city:
        known = {c.lower(): c for c in cities}
        listing.city = known.get(city.lower(), city)
    matching = [
        pk
        for pk, local, row_city in rows
        if (not listing.month or f"{local:%Y-%m}" == listing.month)
        and (not listing.city or row_city == listing.city)
    ]
    listing.page_obj = Paginator(matching, LISTING_PAGE_SIZE).get_page(page)
    chosen = list(sessions.filter(pk__in=listing.page_obj.object_list)) if matching else []
    listing.cards = _cards(chosen, _pages_by_workshop({s.workshop_id for s in chosen}, live_pages))
    return listing


def past_listing(*, now=None, limit: int = 6) -> list[SessionCard]:
    sessions = list(selectors.past_sessions(now=now, limit=limit))
    pages = _pages_by_workshop({s.workshop_id for s in sessions})
    return [
        SessionCard(
            session=s,
            page=pages[s.workshop_id],
            availability=selectors.Availability(capacity=s.capacity, taken=0),
        )
        for s in sessions
        if s.workshop_id in pages
    ]


@dataclass
class TicketRow:
    name: str
    description: str
    price: str
    sales_end_text: str
    on_sale: bool
    upcoming: bool
    sold_out: bool
    price_amount: int
    currency: str


@dataclass
class SessionDetail:
    session: Session
    availability: selectors.Availability
    tickets: list[TicketRow]
    registration_open: bool

    @property
    def dates(self) -> str:
        return date_range(self.session.local_starts_at, self.session.local_ends_at)

    @property
    def times(self) -> str:
        return time_range(self.session.local_starts_at, self.session.local_ends_at)

    @property
    def opens_later(self) -> bool:
        opens = self.session.registration_opens_at
        return bool(opens and opens > timezone.now())

    @property
    def opens_text(self) -> str:
        return local_date(self.session.registration_opens_at, self.session.tz)

    @property
    def can_register(self) -> bool:
        return (
            self.registration_open
            and not self.availability.sold_out
            and any(t.on_sale and not t.sold_out for t in self.tickets)
        )


def workshop_sessions(*, workshop_id: int, now=None) -> list[SessionDetail]:
    now = now or timezone.now()
    details = []
    for s in selectors.workshop_upcoming_sessions(workshop_id=workshop_id, now=now):
        tickets = []
        quantities = selectors.ticket_type_quantity_choices(session=s, now=now)
        for row in quantities.ticket_types:
            t = row.ticket_type
            on_sale = row.on_sale
            upcoming = bool(t.sales_start and now < t.sales_start)
            if t.sales_end and on_sale:
                sales_end_text = gettext("Until %(date)s") % {"date": local_date(t.sales_end, s.tz)}
            elif upcoming:
                sales_end_text = gettext("On sale from %(date)s") % {
                    "date": local_date(t.sales_start, s.tz)
                }
            elif not on_sale:
                sales_end_text = gettext("No longer available")
            else:
                sales_end_text = ""
            tickets.append(
                TicketRow(
                    name=t.name,
                    description=t.description,
                    price=money(t.price_amount, t.currency),
                    sales_end_text=sales_end_text,
                    on_sale=on_sale,
                    upcoming=upcoming,
                    sold_out=row.sold_out,
                    price_amount=t.price_amount,
                    currency=t.currency,
                )
            )
        details.append(
            SessionDetail(
                session=s,
                availability=selectors.availability_of(s),
                tickets=tickets,
                registration_open=s.registration_is_open(now),
            )
        )
    return details


def workshop_page_parts(page, request) -> dict:
    """A workshop page's dates, tickets and seats, the search engines' events, the
    instructors and the workshop record: what ``cms.fragments`` keeps."""
    details = workshop_sessions(workshop_id=page.workshop_id)
    image_url = ""
    if page.hero_image_id:
        image_url = absolute_url(page.hero_image.get_rendition("fill-1200x630").url)
    instructors = page.instructors.select_related("photo").prefetch_related("photo__renditions")
    return {
        "sessions": details,
        "event_json_ld": event_json_ld(
            page=page,
            details=details,
            page_url=page.get_full_url(request) or "",
            image_url=image_url,
        ),
        "page_instructors": list(instructors) or _session_instructors(details),
        "workshop": details[0].session.workshop if details else page.workshop,
    }


def _session_instructors(details: list[SessionDetail]) -> list:
    seen = {}
    for detail in details:
        for instructor in detail.session.instructors.all():
            seen.setdefault(instructor.pk, instructor)
    return list(seen.values())


def event_json_ld(
    *, page, details: list[SessionDetail], page_url: str, image_url: str = ""
) -> list:
    """schema.org Event per upcoming session, for search engines' event listings."""
    events = []
    for d in details:
        s, venue = d.session, d.session.venue
        offers = [
            {
                "@type": "Offer",
                "name": t.name,
                "price": money_decimal(t.price_amount, t.currency),
                "priceCurrency": t.currency.upper(),
                "availability": "https://schema.org/SoldOut"
                if d.availability.sold_out or t.sold_out
                else "https://schema.org/InStock",
                "url": page_url,
            }
            for t in d.tickets
            if t.on_sale or t.upcoming
        ]
        event = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": page.title,
            "description": page.summary,
            "startDate": s.local_starts_at.isoformat(),
            "endDate": s.local_ends_at.isoformat(),
            "eventStatus": "https://schema.org/EventCancelled"
            if s.is_cancelled
            else "https://schema.org/EventScheduled",
            "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
            "location": {
                "@type": "Place",
                "name": venue.name,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": venue.address.replace("\n", ", "),
                    "addressLocality": venue.city,
                    "addressRegion": venue.region,
                    "postalCode": venue.postal_code,
                    "addressCountry": venue.country,
                },
            },
            "organizer": {"@type": "Organization", "name": "PhysioMassage Academy"},
            "offers": offers,
            "url": page_url,
        }
        instructors = list(s.instructors.all())
        if instructors:
            event["performer"] = [{"@type": "Person", "name": i.name} for i in instructors]
        if image_url:
            event["image"] = [image_url]
        events.append(event)
    return events

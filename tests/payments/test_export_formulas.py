"""Issue 12, row "CSV formula injection": what buyers typed reaches staff spreadsheets as
text, never as a formula, in CSV and XLSX alike."""

import io

from django.urls import reverse

import openpyxl
import pytest

from courses.exports import spreadsheet_cell_safe
from courses.models import Registration
from tests.factories import UserFactory
from tests.payments.helpers import book

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_trigger_is_quoted(start):
    assert spreadsheet_cell_safe(f"{start}1+1") == f"'{start}1+1"


def test_plain_values_pass_unchanged():
    assert spreadsheet_cell_safe("Ana Ruiz") == "Ana Ruiz"
    assert spreadsheet_cell_safe(-5) == -5
    assert spreadsheet_cell_safe(None) is None


def test_registrations_export_neutralises_an_attendee_name(client, user, paid_session):
    session, ticket = paid_session
    client.force_login(user)
    book(client, session, ticket, n=1)
    Registration.objects.update(attendee_name=EVIL)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("order_registrations:index")

    csv = b"".join(client.get(url, {"export": "csv"}).streaming_content).decode()
    assert "'=HYPERLINK(" in csv
    assert ',"=HYPERLINK(' not in csv and ",=HYPERLINK(" not in csv

    xlsx = client.get(url, {"export": "xlsx"})
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    cells = [value for row in workbook.active.values for value in row]
    assert "'" + EVIL in cells and EVIL not in cells

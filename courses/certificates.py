"""CE certificate documents: the PDF and the verification URL printed in its QR code.

The PDF is rendered from the certificate's stored snapshot only, so the same certificate
always prints the same facts, however the workshop or the attendee's profile changes."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse

import segno

from .links import absolute_url
from .models import Certificate


def certificate_verify_url(*, certificate: Certificate) -> str:
    return absolute_url(reverse("courses:certificate_verify", args=[certificate.code]))


def _static_uri(path: str) -> str:
    found = finders.find(path)
    return Path(found).as_uri() if found else ""


def certificate_pdf(*, certificate: Certificate) -> bytes:
    from weasyprint import HTML  # heavy import (pango); only the PDF paths need it

    verify_url = certificate_verify_url(certificate=certificate)
    html = render_to_string(
        "courses/certificate_pdf.html",
        {
            "certificate": certificate,
            "verify_url": verify_url,
            "qr_svg": segno.make(verify_url, error="m").svg_data_uri(scale=4, border=0),
            "signature_uri": _static_uri("images/signature.svg"),
            "logo_uri": _static_uri("images/logo.svg"),
            "signatory": settings.CE_SIGNATORY,
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def certificate_filename(*, certificate: Certificate) -> str:
    return f"CE-certificate-{certificate.session_ended_on:%Y-%m-%d}-{certificate.code[:8]}.pdf"

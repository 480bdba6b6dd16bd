"""Admin pages: preview every email in every language with sample data, and show a
captured (development inbox) message rendered."""

from __future__ import annotations

import base64
import email
import email.policy
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from .formatting import normalize_language
from .kinds import KINDS
from .rendering import missing_translations, render_email
from .samples import sample_context
from .services.mailer import unsubscribe_url_for


def _with_data_uris(html: str, images: dict[str, tuple[str, bytes]]) -> str:
    """Swap ``cid:`` references for data URIs so the browser can show inline images."""
    for cid, (mime, data) in images.items():
        html = html.replace(f"cid:{cid}", f"data:{mime};base64,{base64.b64encode(data).decode()}")
    return html


def preview_index(request: HttpRequest) -> HttpResponse:
    languages = [code for code, _name in settings.LANGUAGES]
    rows = []
    for spec in KINDS.values():
        cells = [(lang, len(missing_translations(spec.templates, lang))) for lang in languages]
        rows.append({"spec": spec, "cells": cells})
    context = {**admin.site.each_context(request), "title": "Email templates", "rows": rows,
               "languages": languages}
    return TemplateResponse(request, "admin/notifications/preview_index.html", context)


def preview_email(request: HttpRequest, kind: str, lang: str) -> HttpResponse:
    spec = KINDS.get(kind)
    language = normalize_language(lang)
    if spec is None or language != lang:
        raise Http404("unknown email or language")
    error = ""
    rendered = None
    try:
        rendered = render_email(
            kind, language, sample_context(kind, language), to_email="preview@example.com",
            unsubscribe_url=unsubscribe_url_for("preview@example.com", language)
            if spec.marketing else "",
        )
    except Exception as exc:  # show template errors to the merchant instead of a 500
        error = f"{type(exc).__name__}: {exc}"
    html = ""
    if rendered:
        html = _with_data_uris(rendered.html, {cid: ("image/png", data)
                                               for cid, data, _n in rendered.images})
    context = {
        **admin.site.each_context(request), "title": f"{spec.label} · {language}",
        "spec": spec, "language": language, "rendered": rendered, "html": html, "error": error,
        "languages": [code for code, _name in settings.LANGUAGES],
    }
    return TemplateResponse(request, "admin/notifications/preview_email.html", context)


def parse_message(raw: bytes) -> dict[str, Any]:
    """Headers, text part, HTML part (inline images as data URIs) of a raw message."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    images: dict[str, tuple[str, bytes]] = {}
    for part in msg.walk():
        cid = part.get("Content-ID")
        if cid and part.get_content_maintype() == "image":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                images[cid.strip("<>")] = (part.get_content_type(), data)
    html = html_part.get_content() if html_part is not None else ""
    return {
        "headers": [(k, str(v)) for k, v in msg.items()],
        "text": text_part.get_content() if text_part is not None else "",
        "html": _with_data_uris(html, images),
        "attachments": [p.get_filename() or p.get_content_type()
                        for p in msg.iter_attachments()],
    }

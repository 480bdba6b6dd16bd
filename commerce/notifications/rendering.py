"""Render one email: subject, HTML with inlined CSS, plain text, inline images.

Templates live in the theme (``themes/<theme>/templates/emails/<kind>/``; the
active theme overrides the default). Django's cached template loader compiles
each template once per process; Babel locales and the CSS parse are cached too.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.template import Node, NodeList
from django.template.base import Template as DjangoTemplate
from django.template.loader import get_template
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation
from django.utils.translation import trans_real
from premailer import Premailer

from . import conf
from .kinds import spec_for

logger = logging.getLogger(__name__)
# Set once: passing cssutils_logging_level to every Premailer resets logging caches.
logging.getLogger("CSSUTILS").setLevel(logging.CRITICAL)

QR_CID = "pickup-qr"
QR_KINDS = {"ready_for_pickup", "pickup_reminder"}


@dataclass
class RenderedEmail:
    subject: str
    html: str
    text: str
    images: list[tuple[str, bytes, str]] = field(default_factory=list)  # (cid, png, filename)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (template, msgid)


def base_context(*, language: str, to_email: str, marketing: bool,
                 unsubscribe_url: str = "") -> dict[str, Any]:
    root = conf.public_url()
    ctx: dict[str, Any] = {
        "shop_name": conf.shop_name(),
        "public_url": root,
        "shop_url": f"{root}/{language}/",
        "support_email": conf.support_email(),
        "language": language,
        "recipient_email": to_email,
        "marketing": marketing,
        "qr_cid": QR_CID,
    }
    if marketing:
        ctx["unsubscribe_url"] = unsubscribe_url
        ctx["postal_address"] = conf.postal_address()
    return ctx


_BLANK_LINES = re.compile(r"\n[ \t]*\n([ \t]*\n)+")
_TRAILING = re.compile(r"[ \t]+\n")


def _tidy_text(text: str) -> str:
    text = _TRAILING.sub("\n", text.replace("\r\n", "\n"))
    return _BLANK_LINES.sub("\n\n", text).strip() + "\n"


class _CachedPremailer(Premailer):
    """premailer re-serializes every CSS rule on every call; the theme's stylesheet
    is the same for every email, so parse and serialize it once per process."""

    _rules: dict[tuple[str, int], Any] = {}
    _leftover_css: dict[tuple[Any, ...], str] = {}

    def _parse_style_rules(self, css_body: str, ruleset_index: int) -> Any:
        key = (css_body, ruleset_index)
        if key not in self._rules:
            if len(self._rules) > 64:
                self._rules.clear()
                self._leftover_css.clear()
            self._rules[key] = super()._parse_style_rules(css_body, ruleset_index)
        return self._rules[key]

    def _css_rules_to_string(self, rules: Any) -> str:
        key = tuple(item if isinstance(item, tuple) else id(item) for item in rules)
        if key not in self._leftover_css:
            self._leftover_css[key] = super()._css_rules_to_string(rules)
        return self._leftover_css[key]


def _inline_css(html: str) -> str:
    return _CachedPremailer(
        html, allow_network=False, disable_validation=True, keep_style_tags=False,
        remove_classes=False, strip_important=False, disable_link_rewrites=True,
        cache_css_parsing=True,
        align_floating_images=False, remove_unset_properties=False,
    ).transform(pretty_print=False)


def qr_png(payload: str) -> bytes:
    import qrcode

    img = qrcode.make(payload, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def render_email(kind: str, language: str, context: dict[str, Any], *, to_email: str,
                 marketing: bool | None = None, unsubscribe_url: str = "") -> RenderedEmail:
    """Render ``kind`` in ``language``. Raises whatever the template raises: the
    mailer records it on the message (status failed) and moves on."""
    spec = spec_for(kind)
    is_marketing = spec.marketing if marketing is None else marketing
    ctx = {**context, **base_context(language=language, to_email=to_email,
                                     marketing=is_marketing, unsubscribe_url=unsubscribe_url)}
    subject_t, html_t, text_t = spec.templates
    with translation.override(language):
        subject = " ".join(get_template(subject_t).render(ctx).split())
        ctx["subject"] = subject
        html = _inline_css(get_template(html_t).render(ctx))
        text = _tidy_text(get_template(text_t).render(ctx))
    images = []
    if kind in QR_KINDS and context.get("pickup_code"):
        payload = context.get("qr_payload") or context["pickup_code"]
        images.append((QR_CID, qr_png(str(payload)), "pickup-code.png"))
    missing = missing_translations(spec.templates, language)
    if missing:
        report_missing(language, missing)
    return RenderedEmail(subject=subject, html=html, text=text, images=images, missing=missing)


# --- Missing translations -----------------------------------------------------------
def _literal(filter_expression: Any) -> str | None:
    var = getattr(filter_expression, "var", None)
    literal = getattr(var, "literal", None)
    return str(literal) if isinstance(literal, str) else None


def _walk(nodelist: NodeList) -> list[Node]:
    found: list[Node] = []
    for node in nodelist:
        found.append(node)
        for attr in getattr(node, "child_nodelists", ()):
            child = getattr(node, attr, None)
            if child:
                found.extend(_walk(child))
        for _cond, child in getattr(node, "conditions_nodelists", ()):
            found.extend(_walk(child))
    return found


@lru_cache(maxsize=512)
def template_msgids(name: str) -> frozenset[tuple[str, str]]:
    """Every (template, catalog key) a template and its parents/includes translate."""
    template: DjangoTemplate = get_template(name).template  # type: ignore[attr-defined]
    keys: set[tuple[str, str]] = set()
    for node in _walk(template.nodelist):
        if isinstance(node, TranslateNode) and not node.noop:
            msgid = _literal(node.filter_expression)
            if msgid is not None:
                ctx = _literal(node.message_context) if node.message_context else None
                keys.add((name, f"{ctx}\x04{msgid}" if ctx else msgid))
        elif isinstance(node, BlockTranslateNode):
            msgid, _vars = node.render_token_list(node.singular)
            ctx = _literal(node.message_context) if node.message_context else None
            keys.add((name, f"{ctx}\x04{msgid}" if ctx else msgid))
        elif isinstance(node, ExtendsNode):
            parent = _literal(node.parent_name)
            if parent:
                keys |= template_msgids(parent)
        elif isinstance(node, IncludeNode):
            included = _literal(node.template)
            if included:
                keys |= template_msgids(included)
    return frozenset(keys)


_missing_cache: dict[tuple[tuple[str, ...], str], list[tuple[str, str]]] = {}


def missing_translations(templates: tuple[str, ...], language: str) -> list[tuple[str, str]]:
    """(template, msgid) pairs with no translation in ``language`` (English is the source)."""
    if language.split("-")[0] == "en":
        return []
    key = (templates, language)
    if key not in _missing_cache:
        _missing_cache[key] = _find_missing(templates, language)
    return _missing_cache[key]


def clear_caches() -> None:
    """Forget analysed templates (after a theme or catalog change, and in tests)."""
    template_msgids.cache_clear()
    _missing_cache.clear()
    _reported.clear()


def _find_missing(templates: tuple[str, ...], language: str) -> list[tuple[str, str]]:
    catalog = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    missing = set()
    for name in templates:
        for template, key in template_msgids(name):
            if key not in catalog and (key, 0) not in catalog:
                missing.add((template, key.split("\x04")[-1]))
    return sorted(missing)


_reported: set[tuple[str, str, str]] = set()


def report_missing(language: str, missing: list[tuple[str, str]]) -> None:
    """Record missing keys for the admin once per process (the send goes on in English)."""
    from .models import MissingTranslation

    new = [(language, t, m) for t, m in missing if (language, t, m) not in _reported]
    if not new:
        return
    try:
        MissingTranslation.objects.bulk_create(
            [MissingTranslation(language=lang, template=t, msgid=m) for lang, t, m in new],
            ignore_conflicts=True,
        )
    except Exception:  # a report must never stop an email
        logger.exception("could not record missing translations")
        return
    _reported.update(new)
    logger.warning("missing %s translations: %s", language, [m for _l, _t, m in new])


def scan_missing_translations() -> int:
    """Check every email template in every shipped language; make the admin list
    exactly what is missing now (fixed keys disappear). Returns the count."""
    from django.conf import settings

    from .kinds import KINDS
    from .models import MissingTranslation

    clear_caches()
    found: set[tuple[str, str, str]] = set()
    for code, _name in settings.LANGUAGES:
        for spec in KINDS.values():
            found |= {(code, t, m) for t, m in missing_translations(spec.templates, code)}
    existing = {(m.language, m.template, m.msgid): m.pk for m in MissingTranslation.objects.all()}
    stale = [pk for key, pk in existing.items() if key not in found]
    MissingTranslation.objects.filter(pk__in=stale).delete()
    MissingTranslation.objects.bulk_create(
        [MissingTranslation(language=lang, template=t, msgid=m)
         for lang, t, m in found if (lang, t, m) not in existing],
        ignore_conflicts=True,
    )
    return len(found)


def warm_up(languages: list[str] | None = None) -> None:
    """Compile every email template and parse the theme CSS once (worker start-up),
    so the first emails of a run don't pay for it."""
    from django.conf import settings

    from .kinds import KINDS
    from .samples import sample_context

    for code in languages or [c for c, _n in settings.LANGUAGES]:
        for kind, spec in KINDS.items():
            for name in spec.templates:
                get_template(name)
            if spec.marketing:
                render_email(kind, code, sample_context(kind, code), to_email="warm@example.com",
                             unsubscribe_url="https://example.com/u/")

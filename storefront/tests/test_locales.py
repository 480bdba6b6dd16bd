"""Every shipped language has a complete catalog: nothing untranslated, nothing fuzzy,
placeholders intact, and no wrapped string missing from the catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation import to_locale

from .conftest import parse, text

LOCALES = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def catalog(language: str):
    path = LOCALES / to_locale(language) / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"missing catalog {path}"
    with path.open("rb") as fh:
        return read_po(fh, locale=to_locale(language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete_and_not_fuzzy(language):
    cat = catalog(language)
    untranslated, fuzzy = [], []
    for message in cat:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"{language}: untranslated {untranslated[:10]}"
    assert not fuzzy, f"{language}: fuzzy {fuzzy[:10]}"
    assert not cat.fuzzy, f"{language}: the catalog header is marked fuzzy"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in cat.check()]
    assert not problems, f"{language}: {problems[:5]}"


def test_every_wrapped_string_is_in_the_catalogs(tmp_path, monkeypatch):
    """Extract the project's strings afresh: a string missing from the catalogs would
    ship untranslated."""
    monkeypatch.chdir(settings.BASE_DIR)
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command("makemessages", locale=["en"], ignore_patterns=[".venv", "var", "node_modules"],
                     add_location="file", verbosity=0)
    with (tmp_path / "en" / "LC_MESSAGES" / "django.po").open("rb") as fh:
        fresh = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(fh) if m.id}
    for language in LANGUAGES:
        shipped = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog(language)
                   if m.id}
        missing = fresh - shipped
        assert not missing, f"{language}: not in the catalog: {sorted(map(str, missing))[:10]}"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "add", "search"), [
    ("de", "In den Warenkorb", "Suchen"),
    ("fr", "Ajouter au panier", "Rechercher"),
    ("es", "Añadir a la cesta", "Buscar"),
    ("ja", "カートに入れる", "検索"),
    ("zh-hans", "加入购物车", "搜索"),
])
def test_pages_render_in_the_shoppers_language(client, tee, language, add, search):
    call_command("compile_locales", verbosity=0)
    response = client.get(f"/{language}/product/classic-tee/", follow=True)
    page = parse(response)
    assert page.cssselect(".search-form button")[0].text == search
    button = page.cssselect(".add-to-cart button, .add-to-cart .notice")[0]
    if button.tag == "button":
        assert text(button) == add
    assert page.cssselect(".tax-label")[0].text != "excl. tax"

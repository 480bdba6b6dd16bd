from __future__ import annotations

import copy
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import override_settings

from .conftest import parse

pytestmark = pytest.mark.django_db


def theme_settings(name: str) -> dict:
    """What config/settings.py derives from STOREFRONT_THEME=name."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [settings.THEMES_DIR / name / "templates",
                            settings.THEMES_DIR / "default" / "templates"]
    static = [p for p in (settings.THEMES_DIR / name / "static",
                          settings.THEMES_DIR / "default" / "static") if p.exists()]
    return {"STOREFRONT_THEME": name, "TEMPLATES": templates, "STATICFILES_DIRS": static}


def test_noir_overrides_only_what_it_changes():
    noir = settings.THEMES_DIR / "noir"
    default = settings.THEMES_DIR / "default"
    overridden = {p.relative_to(noir / "templates") for p in (noir / "templates").rglob("*.html")}
    assert overridden, "noir overrides at least one template"
    for path in overridden:
        assert (default / "templates" / path).exists(), f"{path} overrides a default template"
        assert (noir / "templates" / path).read_text() != (default / "templates" / path).read_text()
    assert len(overridden) < len(list((default / "templates").rglob("*.html"))) / 4


def test_default_theme_page(client, tee):
    page = parse(client.get("/en/"))
    assert page.cssselect("body.theme-default")
    assert not page.cssselect(".noir-masthead")


def test_noir_theme_is_visibly_different(client, tee):
    with override_settings(**theme_settings("noir")):
        page = parse(client.get("/en/product/classic-tee/"))
        assert page.cssselect("body.theme-noir")
        assert page.cssselect(".noir-masthead .logo")          # noir's own header
        assert page.cssselect(".add-to-cart")                   # default product template
        assert page.cssselect(".site-footer")                   # default footer
        css = Path(finders.find("storefront/css/theme.css")).read_text()
        assert "--bg: #0e0e10" in css
        assert Path(finders.find("storefront/css/main.css")).is_relative_to(
            settings.THEMES_DIR / "default")
    css = Path(finders.find("storefront/css/theme.css")).read_text()
    assert "--bg: #ffffff" in css


def test_theme_static_is_served_through_staticfiles(client, tee):
    with override_settings(**theme_settings("noir")):
        links = [link.get("href") for link in parse(client.get("/en/"))
                 .cssselect("link[rel=stylesheet]")]
    assert links == ["/static/storefront/css/main.css", "/static/storefront/css/theme.css"]

"""Storefront URLs. config/urls.py appends ``urlpatterns`` last.

Pages live under a language prefix (``/en/``, ``/de/`` … ``/zh-hans/``) via
i18n_patterns, which Django only allows in the root URLconf, so this module
exports plain pattern lists rather than being include()d. ``/`` redirects to the
shopper's language (LocaleMiddleware: cookie, then Accept-Language).
"""

from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.decorators.cache import cache_control

from .sitemaps import sitemaps
from .views import account, catalog, pages

app_name = "storefront"

storefront_patterns = [
    path("", catalog.home, name="home"),
    path("category/<str:slug>/", catalog.category, name="category"),
    path("product/<str:slug>/", catalog.product, name="product"),
    path("search/", catalog.search, name="search"),
    path("market/", pages.choose_market, name="market"),
    path("pages/<slug:slug>/", pages.policy, name="policy"),
    path("account/", account.account, name="account"),
    path("account/login/", account.LoginView.as_view(), name="login"),
    path("account/logout/", account.LogoutView.as_view(), name="logout"),
    path("account/signup/", account.signup, name="signup"),
    path("account/confirm/resend/", account.account_confirm_resend, name="account_confirm_resend"),
    path("account/confirm/<str:token>/", account.account_confirm_email, name="account_confirm"),
    path("account/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/reset/", account.password_reset, name="password_reset"),
    path("account/password/reset/sent/", account.password_reset_sent,
         name="password_reset_sent"),
    path("account/password/reset/<uidb64>/<token>/", account.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("account/orders/<int:number>/", account.order_detail, name="order"),
    path("account/addresses/", account.addresses, name="addresses"),
    path("account/addresses/new/", account.address_edit, name="address_new"),
    path("account/addresses/<int:pk>/", account.address_edit, name="address_edit"),
    path("account/addresses/<int:pk>/delete/", account.address_remove, name="address_delete"),
    path("account/addresses/<int:pk>/default/", account.address_default,
         name="address_default"),
]

_SITEMAPS = sitemaps()

urlpatterns = [
    path("robots.txt", pages.robots_txt, name="robots"),
    path("sitemap.xml", cache_control(public=True, max_age=3600)(sitemap_views.index),
         {"sitemaps": _SITEMAPS, "sitemap_url_name": "sitemap-section"}, name="sitemap-index"),
    path("sitemap-<str:section>.xml", cache_control(public=True, max_age=3600)(sitemap_views.sitemap),
         {"sitemaps": _SITEMAPS}, name="sitemap-section"),
    *i18n_patterns(
        path("", include((storefront_patterns, "storefront"))),
        path("", include("storefront.checkout.urls")),
        prefix_default_language=True,
    ),
]

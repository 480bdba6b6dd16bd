"""Public links used in emails, and the provider webhooks (anymail).

Included in config/urls.py before the storefront: ``path("", include(...))``.
"""

from django.conf import settings
from django.urls import include, path, register_converter

from . import views


class LanguageConverter:
    regex = "|".join(code for code, _name in settings.LANGUAGES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ScoreConverter:
    regex = "10|[0-9]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(LanguageConverter, "emaillang")
register_converter(ScoreConverter, "score")

app_name = "notifications"
urlpatterns = [
    path("<emaillang:lang>/cart/restore/<str:token>/", views.cart_restore, name="cart-restore"),
    path("<emaillang:lang>/email/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<emaillang:lang>/email/confirm/<str:token>/", views.consent_confirm,
         name="consent-confirm"),
    path("<emaillang:lang>/email/subscribe/", views.subscribe, name="subscribe"),
    path("<emaillang:lang>/feedback/<str:token>/<score:score>/", views.feedback, name="feedback"),
    # Bounce/complaint webhooks of every ESP anymail supports, e.g. /anymail/amazon_ses/tracking/
    path("anymail/", include("anymail.urls")),
]

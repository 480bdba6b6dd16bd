"""The Stripe webhook, mounted outside the locale prefix by config/urls.py:

    path("webhooks/stripe/", include("storefront.checkout.webhook_urls"))

Reverse it as ``reverse("stripe-webhook")`` (not namespaced: the ``checkout``
namespace belongs to the locale-prefixed cart URLs).
"""

from django.urls import path

from . import views

urlpatterns = [path("", views.stripe_webhook, name="stripe-webhook")]

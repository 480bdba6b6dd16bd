from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from commerce.api.views import OmniportGraphQLView, health
from storefront import urls as storefront_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", csrf_exempt(OmniportGraphQLView.as_view(graphiql=True)), name="graphql"),
    path("healthz", health, name="health"),
    # Stripe calls this without a locale prefix.
    path("webhooks/stripe/", include("storefront.checkout.webhook_urls")),
    path("store/", include("hub.stores.urls")),
    path("", include("commerce.notifications.urls")),
    # last: robots.txt, sitemaps and the language-prefixed shop (i18n_patterns must be
    # in the root URLconf, so the storefront's patterns are spliced in, not include()d)
    *storefront_urls.urlpatterns,
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

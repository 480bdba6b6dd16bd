from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "commerce.pricing"
    label = "pricing"
    verbose_name = "Pricing"

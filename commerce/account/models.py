from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from commerce.core.models import ModelWithMetadata, TimestampedModel


class EmailUserManager(UserManager):
    def _create_user(self, username, email, password, **extra_fields):  # type: ignore[override]
        email = self.normalize_email(email or username)
        user = self.model(username=email, email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in: staff, store clerks and shoppers with an account.

    Email is the login. Shopper data (language, consent) lives on Customer.
    """

    email = models.EmailField(_("email address"), unique=True)
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        ordering = ("email",)
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.email = (self.email or "").strip().lower()
        self.username = self.email
        super().save(*args, **kwargs)


class Address(models.Model):
    first_name = models.CharField(_("first name"), max_length=256, blank=True)
    last_name = models.CharField(_("last name"), max_length=256, blank=True)
    company_name = models.CharField(_("company"), max_length=256, blank=True)
    street_address_1 = models.CharField(_("street address"), max_length=256, blank=True)
    street_address_2 = models.CharField(_("street address 2"), max_length=256, blank=True)
    city = models.CharField(_("city"), max_length=256, blank=True)
    city_area = models.CharField(_("city area"), max_length=128, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = CountryField(_("country"))
    country_area = models.CharField(_("state / province"), max_length=128, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        parts = [
            self.full_name,
            self.street_address_1,
            self.postal_code,
            self.city,
            str(self.country),
        ]
        return ", ".join(p for p in parts if p)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def as_dict(self) -> dict[str, str]:
        return {
            f.name: str(getattr(self, f.name) or "") for f in self._meta.fields if f.name != "id"
        }


class Customer(ModelWithMetadata, TimestampedModel):
    """Anyone who buys: storefront shoppers (with or without an account) and
    marketplace buyers. Emails go out in ``preferred_language``."""

    email = models.EmailField(_("email"), unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    first_name = models.CharField(_("first name"), max_length=256, blank=True)
    last_name = models.CharField(_("last name"), max_length=256, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    email_confirmed_at = models.DateTimeField(
        _("email confirmed at"), null=True, blank=True,
        help_text=_("When the shopper opened the confirmation link sent at sign-up."))
    marketing_consent = models.BooleanField(_("marketing consent"), default=False)
    marketing_consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    marketing_consent_source = models.CharField(_("consent source"), max_length=64, blank=True)
    marketing_consent_ip = models.GenericIPAddressField(_("consent IP"), null=True, blank=True)
    default_shipping_address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    default_billing_address = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    addresses = models.ManyToManyField(Address, blank=True, related_name="customers")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ("email",)
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

"""Platform accounts (merchants, their staff, operators) and stores, the tenant."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django_countries.fields import CountryField

from shopwright.core import crypto
from shopwright.core.audit import Actor, audit_record
from shopwright.core.fields import BlindIndexField, EncryptedTextField
from shopwright.core.models import TenantModel
from shopwright.core.validation import FieldErrors, clean_email


class Industry(models.TextChoices):
    APPAREL = "apparel", "Apparel and accessories"
    BEAUTY = "beauty", "Beauty and personal care"
    ELECTRONICS = "electronics", "Electronics"
    FOOD = "food", "Food and drink"
    HOME = "home", "Home and garden"
    HEALTH = "health", "Health and wellness"
    SPORTS = "sports", "Sports and outdoors"
    TOYS = "toys", "Toys and games"
    ART = "art", "Art and crafts"
    OTHER = "other", "Other"


class BusinessScale(models.TextChoices):
    STARTING = "starting", "Just starting"
    SMALL = "small", "Up to 10 people"
    MEDIUM = "medium", "11 to 100 people"
    LARGE = "large", "More than 100 people"


class UserManager(BaseUserManager["User"]):
    """Django's hooks for making accounts (`shopwright createsuperuser`, the admin).

    `USERNAME_FIELD` is the email's blind index, so Django hands the typed
    email over under the name `email_index`: it is taken as the email,
    stored encrypted, and the index is computed from it. Merchants and staff
    sign up through `stores.services`, not through here.
    """

    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        """The account whose email is `username` (compared by blind index under every key).

        A fixture written by `dumpdata --natural-primary` names users by their
        index (`User.natural_key`), never by email; that form is accepted too.
        """
        value = username or ""
        if re.fullmatch(r"[0-9a-f]{64}", value):
            return self.get(email_index=value)
        return self.get(email_index__in=crypto.blind_index_candidates(value))

    def create_user(
        self,
        email: str | None = None,
        password: str | None = None,
        *,
        email_index: str | None = None,
        **extra: Any,
    ) -> User:
        """Raises django.core.exceptions.ValidationError for an invalid or taken email."""
        errors = FieldErrors()
        email = clean_email(email if email is not None else email_index, errors)
        if email and self.filter(email_index__in=crypto.blind_index_candidates(email)).exists():
            errors.add("email", "An account with this email already exists.")
        if errors:
            raise ValidationError([m for messages in errors.fields.values() for m in messages])
        user = self.model(email=email, email_index=crypto.blind_index(email), **extra)
        user.set_password(password)
        try:
            with transaction.atomic(using=self._db):
                user.save(using=self._db)
        except IntegrityError as exc:  # lost a race for the same email
            raise ValidationError("An account with this email already exists.") from exc
        return user

    def create_superuser(
        self,
        email: str | None = None,
        password: str | None = None,
        *,
        email_index: str | None = None,
        **extra: Any,
    ) -> User:
        """An operator account (Django admin at /operators/); audited as `operator.create`."""
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("full_name", "Operator")
        with transaction.atomic(using=self._db):
            user = self.create_user(email, password, email_index=email_index, **extra)
            audit_record(action="operator.create", actor=Actor.system(), obj=user)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """An account on the platform: a merchant, a merchant's staff member or an operator.

    The email is encrypted; logins find the account by the email's blind
    index. `is_staff` marks platform operators (the operator console).
    """

    email = EncryptedTextField(max_length=254)
    email_index = BlindIndexField(unique=True, verbose_name="email")
    full_name = EncryptedTextField(max_length=150)
    phone = EncryptedTextField(max_length=32, blank=True, default="")
    country = CountryField(blank=True, default="")
    industry = models.CharField(max_length=32, choices=Industry.choices, blank=True, default="")
    business_scale = models.CharField(max_length=32, choices=BusinessScale.choices, blank=True, default="")
    email_verified_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)
    # Set when an erasure starts: no login, no new data, until the row is gone.
    erasure_locked_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email_index"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return f"user #{self.pk}"

    def get_short_name(self) -> str:
        # What the operator admin greets with; the username field is only a hash.
        return self.full_name

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class Store(models.Model):
    """The tenant: one independent online store at `<handle>.<PLATFORM_DOMAIN>`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the owner's email verification"
        LIVE = "live", "Live"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"

    handle = models.CharField(max_length=63, unique=True)
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_stores")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    country = CountryField(blank=True, default="")
    currency = models.CharField(max_length=3, default="USD")
    # Where this store's data is kept (F22); exports name it.
    data_region = models.CharField(max_length=32, default="local")
    # Whether catalog prices already include tax (checkout then takes tax out of them, not on top).
    prices_include_tax = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    went_live_at = models.DateTimeField(null=True, blank=True)
    # Registration asks for the date of birth (the age gate of F18); on by default.
    ask_date_of_birth = models.BooleanField(default=True)
    # Closing (F19): customers' personal data is erased after a 30-day grace period.
    closed_at = models.DateTimeField(null=True, blank=True)
    customer_data_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Handles are stored lower-case, so the unique index is case-insensitive.
            models.CheckConstraint(condition=models.Q(handle=Lower("handle")), name="store_handle_lowercase"),
        ]

    def __str__(self) -> str:
        return self.handle

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE


class Domain(models.Model):
    """A custom hostname that routes to a store once its DNS TXT record is verified.

    A platform routing table (not a tenant table): the hostname is unique
    across all stores.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="domains")
    hostname = models.CharField(max_length=253, unique=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.hostname


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    STAFF = "staff", "Staff"


class Membership(TenantModel):
    """A platform user's role at one store."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "user"], name="membership_store_user_unique")]

    def __str__(self) -> str:
        return f"{self.role} of store #{self.store_id}"


class StaffInvitation(TenantModel):
    """An emailed invitation to join a store's staff with a role."""

    email = EncryptedTextField(max_length=254)
    email_index = BlindIndexField()
    role = models.CharField(max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+", db_index=False)

    class Meta:
        indexes = [models.Index(fields=["store", "email_index"], name="invitation_store_email")]

    def __str__(self) -> str:
        return f"invitation #{self.pk}"


class UserApiToken(models.Model):
    """A bearer token for the merchant API. Only the SHA-256 of the token is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token #{self.pk}"

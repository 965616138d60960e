"""Customer accounts: one per store and email (the same person at two stores is two accounts)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import models

from shopwright.core.fields import BlindIndexField, EncryptedDateField, EncryptedJSONField, EncryptedTextField
from shopwright.core.models import TenantModel


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNSAID = "unsaid", "Prefer not to say"


class Customer(TenantModel):
    """A registered customer of one store.

    Email, name and every profile field are encrypted; login finds the row by
    (store, email blind index). Nickname and avatar are the public face on
    reviews; everything else is private to the customer and the merchant.
    """

    email = EncryptedTextField(max_length=254)
    email_index = BlindIndexField()
    name = EncryptedTextField(max_length=150)
    password = models.CharField(max_length=255)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login = models.DateTimeField(null=True, blank=True)

    # Optional profile (F2).
    real_name = EncryptedTextField(max_length=150, blank=True, default="")
    gender = EncryptedTextField(max_length=16, blank=True, default="")
    date_of_birth = EncryptedDateField(null=True, blank=True)
    place_of_residence = EncryptedTextField(max_length=200, blank=True, default="")
    nickname = EncryptedTextField(max_length=50, blank=True, default="")
    avatar = models.CharField(max_length=200, blank=True, default="")

    # Children (F18, seed 5): an under-14 account stays inactive until a guardian,
    # reached at this address, consents; without consent by the deadline it is erased.
    guardian_email = EncryptedTextField(max_length=254, blank=True, default="")
    guardian_consent_due_at = models.DateTimeField(null=True, blank=True)
    guardian_consented_at = models.DateTimeField(null=True, blank=True)
    # Set when an erasure starts: no login, no new data, until the row is gone.
    erasure_locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "email_index"], name="customer_store_email_unique"),
        ]

    def __str__(self) -> str:
        return f"customer #{self.pk}"

    @property
    def avatar_url(self) -> str:
        """Where browsers fetch the avatar: the file storage's URL (local media or S3); "" for none."""
        return default_storage.url(self.avatar) if self.avatar else ""


class CustomerApiToken(TenantModel):
    """A bearer token for the storefront API; only its SHA-256 is stored."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="api_tokens", db_index=False)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "key_hash"], name="customer_token_store_hash_unique"),
        ]
        indexes = [models.Index(fields=["store", "customer"], name="customer_token_store_customer")]

    def __str__(self) -> str:
        return f"token #{self.pk}"


class Address(TenantModel):
    """A delivery address a customer keeps for the next checkout.

    `data` has the shape of orders.Order.shipping_address plus "phone"; it is
    validated per country by core.addresses before it is saved.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses", db_index=False)
    data = EncryptedJSONField()
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "-updated_at", "id"]
        indexes = [models.Index(fields=["store", "customer"], name="address_store_customer")]

    def __str__(self) -> str:
        return f"address #{self.pk}"

"""Records the privacy engine keeps about personal data itself."""

from __future__ import annotations

from django.db import models

from shopwright.core.fields import BlindIndexField, EncryptedTextField
from shopwright.core.models import TenantModel


class SharingRecord(TenantModel):
    """One hand-over of personal data to a party outside the store (F14, seed 1(5)-(6), 3(1)).

    Written by `privacy.services.sharing_record` in the same transaction as
    the hand-over is decided, before the data leaves. The subject is found
    later (exports, erasure) by the customer, or for a guest through the
    order (whose email blind index links it to the buyer); `categories` are
    datamap.Category values.
    """

    recipient = models.CharField(max_length=100)
    purpose = models.CharField(max_length=200)
    categories = models.JSONField(default=list)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["store", "customer"], name="sharing_store_customer"),
            models.Index(fields=["store", "order"], name="sharing_store_order"),
        ]

    def __str__(self) -> str:
        return f"to {self.recipient}"


class PolicyVersion(models.Model):
    """One version of a privacy policy: the platform's (store is null) or a store's (F20, seed 7).

    A draft has no `published_at`. Publishing freezes the text; a version
    marked major asks every affected account for consent again, and until
    they give it the purposes that need consent count as refused.
    """

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    change_summary = models.TextField(blank=True, default="")
    is_major = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "stores.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # When the major-change emails were all queued (the batch job resumes until it is set).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["store_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["store", "version"], name="policy_store_version_unique"),
            models.UniqueConstraint(
                fields=["version"], condition=models.Q(store__isnull=True), name="policy_platform_version_unique"
            ),
        ]
        indexes = [models.Index(fields=["store", "-published_at"], name="policy_store_published")]

    def __str__(self) -> str:
        return f"policy v{self.version}"


class ConsentPurpose(models.TextChoices):
    """What a consent is for. Necessary cookies need none and have no purpose here."""

    MARKETING_EMAIL = "marketing_email", "Marketing email"
    PERSONALISATION = "personalisation", "Personalised recommendations"
    COOKIES_PREFERENCES = "cookies_preferences", "Preference cookies"
    COOKIES_ANALYTICS = "cookies_analytics", "Analytics cookies"
    COOKIES_MARKETING = "cookies_marketing", "Marketing cookies"
    PRIVACY_POLICY = "privacy_policy", "Privacy policy accepted"
    GUARDIAN = "guardian", "Guardian's consent for a child's account"


class ConsentChannel(models.TextChoices):
    COOKIE_BANNER = "cookie_banner", "Cookie banner"
    ACCOUNT = "account", "Account privacy page"
    REGISTRATION = "registration", "Registration"
    CHECKOUT = "checkout", "Checkout"
    POLICY_BANNER = "policy_banner", "Policy change banner"
    API = "api", "API"
    EMAIL_LINK = "email_link", "Link in an email"
    DATA_REQUEST = "data_request", "Data request"


class ConsentRecord(models.Model):
    """One grant or withdrawal (F13, F20). Append-only: the current state is the latest record per purpose.

    The subject is a store customer, a platform user (merchant), or a
    visitor known only by the random id in its consent cookie (stored as a
    SHA-256, like cart tokens). `evidence` is the exact text the subject saw.
    """

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        "stores.User", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    visitor_hash = models.CharField(max_length=64, blank=True, default="")
    purpose = models.CharField(max_length=32, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=24, choices=ConsentChannel.choices)
    evidence = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["customer", "purpose", "-created_at"], name="consent_customer_purpose"),
            models.Index(fields=["user", "purpose", "-created_at"], name="consent_user_purpose"),
            models.Index(fields=["store", "visitor_hash", "-created_at"], name="consent_store_visitor"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(customer__isnull=False, user__isnull=True, visitor_hash="")
                    | models.Q(customer__isnull=True, user__isnull=False, visitor_hash="")
                    | (models.Q(customer__isnull=True, user__isnull=True) & ~models.Q(visitor_hash=""))
                ),
                name="consent_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"consent #{self.pk}"


class ProcessingRestriction(models.Model):
    """The subject asked that its data be kept but not used for marketing, personalisation or analytics (F17).

    Open while `lifted_at` is null; only the subject lifts it.
    """

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        "stores.User", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer"], name="restriction_customer"),
            models.Index(fields=["user"], name="restriction_user"),
        ]
        constraints = [
            # One open restriction per subject, also when two requests start one at the same time.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(lifted_at__isnull=True, customer__isnull=False),
                name="restriction_one_open_per_customer",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(lifted_at__isnull=True, user__isnull=False),
                name="restriction_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"restriction #{self.pk}"


class RequestKind(models.TextChoices):
    ACCESS = "access", "See my data"
    EXPORT = "export", "Export my data"
    CORRECTION = "correction", "Correct my data"
    DELETION = "deletion", "Delete my data"
    RESTRICTION = "restriction", "Restrict processing"
    WITHDRAW_CONSENT = "withdraw_consent", "Withdraw consent"


class RequestStatus(models.TextChoices):
    VERIFYING = "verifying", "Waiting for identity verification"
    AWAITING_SUBJECT = "awaiting_subject", "Waiting for the subject to confirm the agent"
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    REFUSED = "refused", "Refused"
    CANCELLED = "cancelled", "Cancelled"


class RequestChannel(models.TextChoices):
    ACCOUNT = "account", "Personal center"
    CONTACT_FORM = "contact_form", "Privacy contact form"
    AGENT = "agent", "Authorised agent"
    GUARDIAN = "guardian", "Guardian"
    API = "api", "API"


class DataRequest(models.Model):
    """A data subject's request (F17, F24, seed 4 and 8).

    `store` set: a store customer's request, in that store's privacy inbox
    (the merchant is the controller). `store` null: a merchant's own
    request, in the operators' inbox. The subject is `customer` or `user`;
    a contact-form request from an address with no account has neither and
    is answered from what the email's blind index finds (guest orders).
    Verification goes to the email on file (`subject_email`), never to an
    address typed into a form. The deadline is 15 days from verification.
    """

    store = models.ForeignKey(
        "stores.Store", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=24, choices=RequestKind.choices)
    status = models.CharField(max_length=24, choices=RequestStatus.choices, default=RequestStatus.VERIFYING)
    channel = models.CharField(max_length=16, choices=RequestChannel.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        "stores.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # The email on file the request is about; emptied once the request is closed and the subject erased.
    subject_email = EncryptedTextField(blank=True, default="")
    subject_email_index = BlindIndexField(source="subject_email", blank=True, default="")
    agent_name = EncryptedTextField(max_length=150, blank=True, default="")
    agent_email = EncryptedTextField(max_length=254, blank=True, default="")
    # What the subject wrote (the correction wanted, the question), and the merchant's or operator's answer.
    details = EncryptedTextField(blank=True, default="")
    resolution = EncryptedTextField(blank=True, default="")
    # Verification: a one-time code (its hash) or a signed link whose state changes once used.
    code_hash = models.CharField(max_length=64, blank=True, default="")
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    verification_nonce = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_day10_at = models.DateTimeField(null=True, blank=True)
    reminded_day14_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Erasure: steps done so far (the job resumes from them) and the residue scan's findings.
    erasure_progress = models.JSONField(default=dict, blank=True)
    residue_report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["store", "status", "due_at"], name="request_store_status_due"),
            models.Index(fields=["customer"], name="request_customer"),
            models.Index(fields=["user"], name="request_user"),
            models.Index(fields=["status", "due_at"], name="request_status_due"),
        ]

    def __str__(self) -> str:
        return f"request #{self.pk}"


class ExportArchive(models.Model):
    """The ZIP an export request produced: downloadable once, through a link that expires in 7 days."""

    request = models.OneToOneField(DataRequest, on_delete=models.CASCADE, related_name="archive")
    path = models.CharField(max_length=200, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)
    token_hash = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"export #{self.pk}"


class RetentionOverride(models.Model):
    """A store's own retention period for one retention category, within the legal bounds in privacy.retention."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+", db_index=False)
    retention = models.CharField(max_length=16)
    days = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "retention"], name="retention_override_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.retention}: {self.days} days"


class PurgeReport(models.Model):
    """What one run of the retention purge deleted or anonymised, counted per category (F19). Operators see it."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)
    stores_closed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"purge {self.started_at:%Y-%m-%d}"


class SessionLink(models.Model):
    """Which session keys a customer or a user signed in with, so erasure ends exactly those sessions.

    Written at every sign-in (privacy.session_links, from the sign-in
    signals). Decoding every session to find a person's would cost the
    platform's size; this table costs the person's. Rows whose session has
    expired are harmless and go with the account.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        "stores.User", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    session_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer"], name="sessionlink_customer"),
            models.Index(fields=["user"], name="sessionlink_user"),
        ]

    def __str__(self) -> str:
        return f"session link #{self.pk}"

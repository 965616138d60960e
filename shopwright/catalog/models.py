"""The catalog of one store: products, their options and variants, images, collections.

Money is `Decimal` in the store's currency (`Store.currency`), never a float.
Every table is a tenant table: indexes and unique constraints start with
`store`. Denormalised columns (`Product.price_min`, `search_text`, ...) are
kept up to date by `catalog.services`, never by `save()`.
"""

from __future__ import annotations

from django.db import models

from shopwright.core.models import TenantModel

MAX_OPTIONS = 3
MAX_VARIANTS = 100
# Money columns: up to 9,999,999,999.99 in the store currency's main unit.
MONEY_DIGITS = 12
MONEY_PLACES = 2


class ProductStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Product(TenantModel):
    handle = models.SlugField(max_length=100, db_index=False)
    title = models.CharField(max_length=200)
    # Sanitised HTML (catalog.sanitise); safe to render as is.
    description_html = models.TextField(blank=True, default="")
    vendor = models.CharField(max_length=100, blank=True, default="")
    product_type = models.CharField(max_length=100, blank=True, default="")
    # Normalised tags (lower-case, trimmed) joined as "|a|b|", so "has tag x" is
    # a portable `tags_text__contains="|x|"` on SQLite and PostgreSQL.
    tags_text = models.CharField(max_length=1000, blank=True, default="")
    status = models.CharField(max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    seo_title = models.CharField(max_length=70, blank=True, default="")
    seo_description = models.CharField(max_length=320, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Denormalised from the variants, for sorting and price rules without joins.
    price_min = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=0)
    price_max = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=0)
    # Units sold (orders, a later issue, increment it); "best selling" sorts by it.
    sales_count = models.PositiveIntegerField(default=0)
    # Plain text the search index reads (title, vendor, type, tags, SKUs,
    # description without markup); services rebuild it on every change.
    search_document = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "handle"], name="product_store_handle_unique")]
        indexes = [
            models.Index(fields=["store", "status", "-published_at"], name="product_store_published"),
            models.Index(fields=["store", "status", "price_min"], name="product_store_price"),
            models.Index(fields=["store", "status", "-sales_count"], name="product_store_sales"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tags(self) -> list[str]:
        return [t for t in self.tags_text.split("|") if t]

    @property
    def is_published(self) -> bool:
        return self.status == ProductStatus.PUBLISHED


class ProductOption(TenantModel):
    """An option such as Size or Colour, with its values in display order."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options", db_index=False)
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=50)
    values = models.JSONField(default=list)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["store", "product", "position"], name="option_store_product_position")
        ]

    def __str__(self) -> str:
        return self.name


class ProductImage(TenantModel):
    """An uploaded image, re-encoded without metadata into the storefront's sizes.

    `renditions` maps a width ("160", "480", "960", "1600") to
    {"webp": storage name, "jpeg": storage name}; `width`/`height` are those
    of the largest rendition.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images", db_index=False)
    position = models.PositiveSmallIntegerField(default=0)
    alt = models.CharField(max_length=200, blank=True, default="")
    renditions = models.JSONField(default=dict)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["store", "product", "position"], name="image_store_product")]

    def __str__(self) -> str:
        return f"image #{self.pk}"


class Variant(TenantModel):
    """One purchasable combination of option values, with its own SKU, price and stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants", db_index=False)
    position = models.PositiveSmallIntegerField(default=0)
    sku = models.CharField(max_length=64, blank=True, default="")
    option1 = models.CharField(max_length=100, blank=True, default="")
    option2 = models.CharField(max_length=100, blank=True, default="")
    option3 = models.CharField(max_length=100, blank=True, default="")
    price = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    compare_at_price = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True)
    weight_grams = models.PositiveIntegerField(default=0)
    stock_quantity = models.IntegerField(default=0)
    track_stock = models.BooleanField(default=True)
    continue_selling = models.BooleanField(default=False)
    image = models.ForeignKey(
        ProductImage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # Blank SKUs are allowed (many small shops have none); given ones are unique.
            models.UniqueConstraint(
                fields=["store", "sku"], condition=~models.Q(sku=""), name="variant_store_sku_unique"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(compare_at_price__isnull=True) | models.Q(compare_at_price__gte=0),
                name="variant_compare_at_not_negative",
            ),
            # The last line of defence against overselling (catalog.stock is the first): tracked stock
            # below zero is refused by the database unless the merchant allows selling past zero.
            models.CheckConstraint(
                condition=models.Q(stock_quantity__gte=0)
                | models.Q(track_stock=False)
                | models.Q(continue_selling=True),
                name="variant_stock_not_oversold",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "product", "position"], name="variant_store_product"),
            models.Index(fields=["store", "image"], name="variant_store_image"),
        ]

    def __str__(self) -> str:
        return self.sku or f"variant #{self.pk}"

    @property
    def option_values(self) -> list[str]:
        return [v for v in (self.option1, self.option2, self.option3) if v]

    @property
    def title(self) -> str:
        return " / ".join(self.option_values) or "Default"

    @property
    def available(self) -> bool:
        """Can be bought now (stock is not tracked, overselling is allowed, or some is left)."""
        return not self.track_stock or self.continue_selling or self.stock_quantity > 0


class CollectionKind(models.TextChoices):
    MANUAL = "manual", "Manual (hand-picked, ordered)"
    AUTOMATIC = "automatic", "Automatic (rules)"


class CollectionSort(models.TextChoices):
    FEATURED = "featured", "Featured"
    NEWEST = "newest", "Newest"
    PRICE_ASC = "price-asc", "Price, low to high"
    PRICE_DESC = "price-desc", "Price, high to low"
    BEST_SELLING = "best-selling", "Best selling"


class Collection(TenantModel):
    """A manual list of products, or the products matching rules (tag, type, vendor, price).

    `rules` is a list of {"field": "tag"|"type"|"vendor"|"price", "op":
    "equals"|"not_equals"|"gt"|"lt", "value": str}; `match_all` joins them
    with AND (else OR). Only published collections are on the storefront.
    """

    handle = models.SlugField(max_length=100, db_index=False)
    title = models.CharField(max_length=200)
    description_html = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=16, choices=CollectionKind.choices, default=CollectionKind.MANUAL)
    rules = models.JSONField(default=list, blank=True)
    match_all = models.BooleanField(default=True)
    default_sort = models.CharField(max_length=16, choices=CollectionSort.choices, default=CollectionSort.FEATURED)
    is_published = models.BooleanField(default=True)
    # The collection shown on the store's home page (at most one per store).
    is_featured = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)
    seo_title = models.CharField(max_length=70, blank=True, default="")
    seo_description = models.CharField(max_length=320, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "handle"], name="collection_store_handle_unique"),
            models.UniqueConstraint(
                fields=["store"], condition=models.Q(is_featured=True), name="collection_store_one_featured"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CollectionProduct(TenantModel):
    """A product's place in a manual collection."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="entries", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "collection", "product"], name="collection_product_store_unique")
        ]
        indexes = [
            models.Index(fields=["store", "collection", "position"], name="collection_product_order"),
            models.Index(fields=["store", "product"], name="collection_product_by_product"),
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}:{self.product_id}"


class ImportJob(TenantModel):
    """A CSV catalog import: previewed, then applied by a job that reports progress.

    The uploaded file is kept (in `VAR_DIR/imports/`, outside the public media folder)
    until the job finishes; `errors` is a list of {"row", "column", "message"}.
    """

    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for confirmation"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        "stores.User", on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEW)
    file_name = models.CharField(max_length=200)
    # Storage name of the uploaded CSV; emptied when the file is deleted.
    stored_file = models.CharField(max_length=200, blank=True, default="")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When a worker last showed it is alive (took the job, committed a batch): a running job whose
    # heartbeat is old lost its worker, and the sweep in catalog.imports picks it up again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many times a worker has taken the job; the sweep gives up (failed) after the last allowed one.
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["store", "-created_at"], name="importjob_store_time")]

    def __str__(self) -> str:
        return f"import #{self.pk}"

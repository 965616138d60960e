"""What a caller hands the catalog services: the back-office forms, the CSV
import and the demo all build these, so every path is validated by the same
code in `catalog.services`.

Values are taken as the user typed them (strings for money and numbers are
fine); the services clean and check them and raise one ApplicationError with
every problem, keyed by field name (`title`, `variants.2.price`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class OptionInput:
    name: str
    values: list[str]


@dataclass(frozen=True)
class VariantInput:
    # One value per option of the product, in option order; [] for a product without options.
    option_values: list[str] = field(default_factory=list)
    sku: str = ""
    price: Decimal | str = "0"
    compare_at_price: Decimal | str | None = None
    weight_grams: int | str = 0
    stock_quantity: int | str = 0
    # The stock the caller showed (and the merchant may have changed) for an existing variant.
    # With it, `product_update` writes the stock only when `stock_quantity` differs from it, and
    # then only if the variant still has exactly this stock (buyers' orders take stock meanwhile);
    # None (an import's count, the demo, an API setting an absolute value): `stock_quantity` is written as given.
    stock_seen: int | str | None = None
    track_stock: bool = True
    continue_selling: bool = False
    # The id of one of the product's images, or None.
    image_id: int | None = None


@dataclass(frozen=True)
class ProductInput:
    title: str
    # Blank: made from the title, unique in the store.
    handle: str = ""
    description_html: str = ""
    vendor: str = ""
    product_type: str = ""
    tags: list[str] = field(default_factory=list)
    status: str = "draft"
    seo_title: str = ""
    seo_description: str = ""
    options: list[OptionInput] = field(default_factory=list)
    # At least one; for a product with options, one per combination used (at most 100).
    variants: list[VariantInput] = field(default_factory=list)


@dataclass(frozen=True)
class CollectionRule:
    field: str  # "tag" | "type" | "vendor" | "price"
    op: str  # "equals" | "not_equals" | "gt" | "lt"
    value: str


@dataclass(frozen=True)
class CollectionInput:
    title: str
    handle: str = ""
    description_html: str = ""
    kind: str = "manual"
    rules: list[CollectionRule] = field(default_factory=list)
    match_all: bool = True
    default_sort: str = "featured"
    is_published: bool = True
    is_featured: bool = False
    seo_title: str = ""
    seo_description: str = ""

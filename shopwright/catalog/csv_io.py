"""The catalog CSV file: reading and checking an upload, turning it into service inputs, writing the export.

One row per variant. A product's first row carries the product's fields;
later rows with the same handle may leave them blank. Row numbers are the
ones a spreadsheet shows (the header is row 1), so an error report can say
"row 7, price".

Rules a merchant can rely on (the import page repeats them):
- a column the file does not have leaves that field of an existing product
  or variant as it is (a new one gets the default); a column that is there
  says what the value is (a blank compare-at price is none, a blank stock 0);
- a blank status keeps the product's status (a new product is a draft);
- stock_quantity is what is left to sell, as the product page shows it:
  units in orders awaiting payment are already taken off it and come back
  if those orders go unpaid. The import writes the file's number as given
  (an inventory count); a file without the column leaves stock alone;
- when a handle is in the file, its rows are the product's whole list of
  variants: variants the file leaves out are deleted.

Spreadsheet formula injection: an exported cell starting with = + - @ TAB or
CR gets a leading single quote, which import takes off again, so an export
imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db.models import Prefetch

from shopwright.catalog.inputs import OptionInput, ProductInput, VariantInput
from shopwright.catalog.models import MAX_OPTIONS, Product, ProductOption, Variant
from shopwright.catalog.validation import store_currency_places
from shopwright.core.exceptions import ApplicationError
from shopwright.stores.models import Store

OPTION_COLUMNS: tuple[str, ...] = tuple(f"option{n}_{part}" for n in range(1, 4) for part in ("name", "value"))
PRODUCT_COLUMNS: tuple[str, ...] = (
    "title",
    "description_html",
    "vendor",
    "product_type",
    "tags",
    "status",
    "seo_title",
    "seo_description",
)
VARIANT_COLUMNS: tuple[str, ...] = (
    "sku",
    "price",
    "compare_at_price",
    "weight_grams",
    "stock_quantity",
    "track_stock",
    "continue_selling",
)
COLUMNS: tuple[str, ...] = ("handle", *PRODUCT_COLUMNS, *OPTION_COLUMNS, *VARIANT_COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = ("handle", "title", "price")

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# Spreadsheet apps read a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
# A number we wrote ourselves ("-3", "12.50") is never read as a formula; it is left unquoted.
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_EXPORT_BATCH = 200


# --- cells --------------------------------------------------------------------


def _needs_quote(value: str) -> bool:
    if value.startswith(FORMULA_PREFIXES):
        return not _PLAIN_NUMBER.fullmatch(value)
    # A merchant's own quote before such a cell is kept by quoting once more.
    return value.startswith("'") and _needs_quote(value[1:])


def escape_cell(value: str) -> str:
    """Quote a cell a spreadsheet would run as a formula (OWASP's advice on CSV injection)."""
    return "'" + value if _needs_quote(value) else value


def unescape_cell(value: str) -> str:
    """Take off the quote `escape_cell` added; any other leading quote is the merchant's own."""
    if value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value


# --- reading an upload ----------------------------------------------------------


@dataclass(frozen=True)
class CsvIssue:
    """One problem (or warning) in the file; `row` is None for the file as a whole."""

    row: int | None
    column: str
    message: str
    warning: bool = False

    @property
    def where(self) -> str:
        """Where the report says the issue is: `row 7, price`, `row 7` or `file`."""
        if self.row is None:
            return "file"
        return f"row {self.row}, {self.column}" if self.column else f"row {self.row}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message, "warning": self.warning}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CsvIssue:
        return cls(
            data.get("row"), str(data.get("column", "")), str(data.get("message", "")), bool(data.get("warning"))
        )


@dataclass(frozen=True)
class CsvRow:
    number: int
    # The row's non-blank cells of known columns, unescaped; the description keeps its whitespace, others are trimmed.
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class CsvProduct:
    """The rows of one handle, in file order (they need not be next to each other)."""

    handle: str
    rows: list[CsvRow] = field(default_factory=list)

    @property
    def first(self) -> CsvRow:
        return self.rows[0]


@dataclass
class ParsedCsv:
    columns: frozenset[str] = frozenset()
    products: list[CsvProduct] = field(default_factory=list)
    issues: list[CsvIssue] = field(default_factory=list)
    row_count: int = 0

    @property
    def errors(self) -> list[CsvIssue]:
        return [i for i in self.issues if not i.warning]

    @property
    def valid(self) -> bool:
        return not self.errors


def read_upload(upload: IO[bytes]) -> bytes:
    """At most one byte more than the limit, so an oversized file is refused without reading it all."""
    return upload.read(MAX_FILE_BYTES + 1)


def decode(data: bytes) -> tuple[str | None, CsvIssue | None]:
    """UTF-8 text (a byte-order mark is dropped), or the reason the bytes are not."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, CsvIssue(None, "", "The file is UTF-16 text. Save it as “CSV UTF-8” and upload it again.")
    if data.startswith(BOM.encode()):
        data = data[len(BOM.encode()) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, CsvIssue(
            None,
            "",
            f"The file is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line} is not valid UTF-8; "
            "it may be Latin-1 or Windows-1252). Save it as “CSV UTF-8” and upload it again.",
        )
    if "\x00" in text:
        return None, CsvIssue(None, "", "The file contains NUL bytes: it is not a CSV text file.")
    return text, None


def parse_csv(data: bytes) -> ParsedCsv:
    """Read the whole file and check its shape; row values are checked when inputs are built."""
    parsed = ParsedCsv()
    if len(data) > MAX_FILE_BYTES:
        parsed.issues.append(CsvIssue(None, "", f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."))
        return parsed
    text, problem = decode(data)
    if text is None:
        parsed.issues.append(problem or CsvIssue(None, "", "The file cannot be read."))
        return parsed
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            parsed.issues.append(CsvIssue(None, "", "The file is empty: the first row must name the columns."))
            return parsed
        positions = _read_header(header, parsed)
        if not parsed.valid:
            return parsed
        _read_rows(reader, header, positions, parsed)
    except csv.Error as exc:
        parsed.issues.append(CsvIssue(reader.line_num or None, "", f"The file is not valid CSV: {exc}."))
    return parsed


def _read_header(header: list[str], parsed: ParsedCsv) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lstrip(BOM).strip().lower()
        if not name:
            continue
        if name in positions:
            parsed.issues.append(CsvIssue(1, name, f"The column “{name}” appears twice."))
        elif name in COLUMNS:
            positions[name] = index
        else:
            parsed.issues.append(CsvIssue(1, name, f"The column “{name}” is not one we know; it is ignored.", True))
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        names = ", ".join(missing)
        parsed.issues.append(
            CsvIssue(1, missing[0], f"Required column{'s' if len(missing) > 1 else ''} missing: {names}.")
        )
    parsed.columns = frozenset(positions)
    return positions


def _read_rows(reader: Iterator[list[str]], header: list[str], positions: dict[str, int], parsed: ParsedCsv) -> None:
    by_handle: dict[str, CsvProduct] = {}
    number = 1
    for cells in reader:
        number += 1
        if not any(c.strip() for c in cells):
            continue  # spreadsheet apps leave blank lines at the end
        parsed.row_count += 1
        if parsed.row_count > MAX_ROWS:
            parsed.issues.append(CsvIssue(None, "", f"The file has more than {MAX_ROWS:,} rows; split it in parts."))
            parsed.products = []
            return
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            parsed.issues.append(CsvIssue(number, "", "This row has more cells than the header has columns."))
            continue
        values = {}
        for name, index in positions.items():
            value = unescape_cell(cells[index]) if index < len(cells) else ""
            value = value if name == "description_html" else value.strip()
            if value:  # blank cells are left out: 50,000 mostly blank rows stay small in memory
                values[name] = value
        row = CsvRow(number=number, cells=values)
        handle = row.get("handle").lower()
        if not handle:
            parsed.issues.append(CsvIssue(number, "handle", "Enter the product's handle (it groups a product's rows)."))
            continue
        product = by_handle.get(handle)
        if product is None:
            product = by_handle[handle] = CsvProduct(handle=handle)
            parsed.products.append(product)
        product.rows.append(row)
    _check_skus_unique(parsed)


def _check_skus_unique(parsed: ParsedCsv) -> None:
    if "sku" not in parsed.columns:
        return
    first_row: dict[str, int] = {}
    for product in parsed.products:
        for row in product.rows:
            sku = row.get("sku")
            if not sku:
                continue
            if sku in first_row:
                parsed.issues.append(CsvIssue(row.number, "sku", f"The SKU “{sku}” is also on row {first_row[sku]}."))
            else:
                first_row[sku] = row.number


# --- rows to a service input ----------------------------------------------------------


def existing_products(*, store: Store, handles: Iterable[str], chunk: int = 500) -> dict[str, Product]:
    """The store's products with these handles, with options and variants, in one query set per chunk."""
    found: dict[str, Product] = {}
    wanted = list(dict.fromkeys(handles))
    for start in range(0, len(wanted), chunk):
        query = Product.objects.filter(store=store, handle__in=wanted[start : start + chunk]).prefetch_related(
            Prefetch("options", queryset=ProductOption.objects.filter(store=store)),
            Prefetch("variants", queryset=Variant.objects.filter(store=store)),
        )
        found.update((p.handle, p) for p in query)
    return found


@dataclass
class ProductRows:
    """A handle's rows as a service input, and where each of its fields came from."""

    csv: CsvProduct
    data: ProductInput
    existing: Product | None
    # Problems found while reading the rows (bad booleans, option names that disagree, ...).
    issues: list[CsvIssue]

    def locate(self, key: str) -> tuple[int, str]:
        """The row and column a service field key (`title`, `variants.2.price`, `options.0.name`) points at."""
        first = self.csv.first.number
        parts = key.split(".")
        if parts[0] == "variants" and len(parts) >= 3 and parts[1].isdigit():
            index = int(parts[1])
            row = self.csv.rows[index].number if index < len(self.csv.rows) else first
            name = parts[2]
            if name == "option_values":
                position = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else 0
                return row, f"option{position + 1}_value"
            if name == "image_id":
                return row, "sku"
            return row, name
        if parts[0] == "options" and len(parts) >= 3 and parts[1].isdigit():
            n = int(parts[1]) + 1
            return first, f"option{n}_name" if parts[2] == "name" else f"option{n}_value"
        if parts[0] == "options":
            return first, "option1_name"
        if parts[0] == "variants":
            return first, "handle"
        return first, parts[0]

    def service_issues(self, exc: ApplicationError, known: Iterable[CsvIssue] = ()) -> list[CsvIssue]:
        """The service's field messages at their rows and columns, except where reading (or `known`) complained."""
        seen = {(i.row, _cell_group(i.column)) for i in (*self.issues, *known) if not i.warning}
        found: list[CsvIssue] = []
        if not exc.fields:
            return [CsvIssue(self.csv.first.number, "handle", exc.message)]
        for key, messages in exc.fields.items():
            row, column = self.locate(key)
            if (row, _cell_group(column)) in seen:
                continue
            found.extend(CsvIssue(row, column, message) for message in messages)
        return found


def _cell_group(column: str) -> str:
    """Option value columns are one group: the services check a variant's values together."""
    return "option_value" if column.startswith("option") and column.endswith("_value") else column


def product_rows(product: CsvProduct, *, columns: frozenset[str], existing: Product | None) -> ProductRows:
    """Build the service input for one handle, taking what the file leaves out from the existing product."""
    issues: list[CsvIssue] = []
    first = product.first
    _warn_later_product_fields(product, columns, issues)

    def text(column: str, current: str) -> str:
        return first.get(column) if column in columns else current

    status = first.get("status") if "status" in columns else ""
    if not status:
        status = existing.status if existing is not None else "draft"
    if "tags" in columns:
        tags = [t for t in first.get("tags").split(",") if t.strip()]
    else:
        tags = existing.tags if existing is not None else []

    old_variants = list(existing.variants.all()) if existing is not None else []
    matches = _match_variants(product, columns, old_variants)
    has_option_columns = any(c in columns for c in OPTION_COLUMNS)
    if has_option_columns:
        names = _option_names(product, issues)
        values_per_row = [_row_option_values(row, names, issues) for row in product.rows]
    else:
        old_options = list(existing.options.all()) if existing is not None else []
        names = [o.name for o in old_options]
        values_per_row = [m.option_values if m is not None else [] for m in matches]
    options = _options(names, values_per_row, existing)
    variants = [
        _variant_input(row, columns, match, values, issues)
        for row, match, values in zip(product.rows, matches, values_per_row, strict=True)
    ]
    data = ProductInput(
        title=text("title", existing.title if existing is not None else ""),
        handle=product.handle,
        description_html=text("description_html", existing.description_html if existing is not None else ""),
        vendor=text("vendor", existing.vendor if existing is not None else ""),
        product_type=text("product_type", existing.product_type if existing is not None else ""),
        tags=tags,
        status=status,
        seo_title=text("seo_title", existing.seo_title if existing is not None else ""),
        seo_description=text("seo_description", existing.seo_description if existing is not None else ""),
        options=options,
        variants=variants,
    )
    return ProductRows(csv=product, data=data, existing=existing, issues=issues)


def _warn_later_product_fields(product: CsvProduct, columns: frozenset[str], issues: list[CsvIssue]) -> None:
    first = product.first
    for row in product.rows[1:]:
        for column in PRODUCT_COLUMNS:
            if column in columns and row.get(column) and row.get(column) != first.get(column):
                issues.append(
                    CsvIssue(
                        row.number,
                        column,
                        f"Product fields are read from the product's first row (row {first.number}); "
                        "this different value is ignored.",
                        warning=True,
                    )
                )


def _match_variants(product: CsvProduct, columns: frozenset[str], old: list[Variant]) -> list[Variant | None]:
    """Each row's existing variant: same SKU first, else same option values; each variant used once."""
    by_sku = {v.sku: v for v in old if v.sku}
    by_values = {tuple(x.casefold() for x in v.option_values): v for v in old}
    used: set[int] = set()
    found: list[Variant | None] = []
    for row in product.rows:
        match = by_sku.get(row.get("sku")) if row.get("sku") else None
        if match is None:
            # Without option columns a row can only be the variant of a product without options.
            values = (row.get(f"option{n}_value") for n in range(1, MAX_OPTIONS + 1))
            match = by_values.get(tuple(v.casefold() for v in values if v))
        if match is not None and match.pk in used:
            match = None
        if match is not None:
            used.add(match.pk)
        found.append(match)
    return found


def _option_names(product: CsvProduct, issues: list[CsvIssue]) -> list[str]:
    """The option names from the first row; later rows may repeat them or leave them blank."""
    first = product.first
    names: list[str] = []
    for n in range(1, MAX_OPTIONS + 1):
        name = first.get(f"option{n}_name")
        if name and len(names) < n - 1:
            issues.append(CsvIssue(first.number, f"option{n}_name", f"Name option {n - 1} before option {n}."))
        if name:
            names.append(name)
    for row in product.rows[1:]:
        for n in range(1, MAX_OPTIONS + 1):
            given = row.get(f"option{n}_name")
            expected = names[n - 1] if n <= len(names) else ""
            if given and given.casefold() != expected.casefold():
                said = f"“{expected}”" if expected else "not named"
                issues.append(
                    CsvIssue(
                        row.number,
                        f"option{n}_name",
                        f"Option {n} is {said} on this product's first row (row {first.number}); "
                        f"this row says “{given}”.",
                    )
                )
    return names


def _row_option_values(row: CsvRow, names: list[str], issues: list[CsvIssue]) -> list[str]:
    values: list[str] = []
    for n in range(1, MAX_OPTIONS + 1):
        value = row.get(f"option{n}_value")
        if n <= len(names):
            if not value:
                issues.append(CsvIssue(row.number, f"option{n}_value", f"Enter this variant's {names[n - 1]}."))
            values.append(value)
        elif value:
            issues.append(
                CsvIssue(row.number, f"option{n}_value", f"Option {n} has no name (option{n}_name on the first row).")
            )
    return values


def _options(names: list[str], values_per_row: list[list[str]], existing: Product | None) -> list[OptionInput]:
    """Each option's values in the order the product already had them, then new ones in file order."""
    old = {o.name.casefold(): list(o.values) for o in existing.options.all()} if existing is not None else {}
    options: list[OptionInput] = []
    for position, name in enumerate(names):
        used: dict[str, str] = {}
        for values in values_per_row:
            if position < len(values) and values[position]:
                used.setdefault(values[position].casefold(), values[position])
        ordered = [v for v in old.get(name.casefold(), []) if v.casefold() in used]
        known = {v.casefold() for v in ordered}
        ordered += [v for key, v in used.items() if key not in known]
        options.append(OptionInput(name=name, values=ordered))
    return options


def _boolean(row: CsvRow, column: str, default: bool, issues: list[CsvIssue]) -> bool:
    raw = row.get(column).lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    issues.append(CsvIssue(row.number, column, "Write true or false."))
    return default


def _variant_input(
    row: CsvRow, columns: frozenset[str], match: Variant | None, values: list[str], issues: list[CsvIssue]
) -> VariantInput:
    def cell(column: str, current: str) -> str:
        return row.get(column) if column in columns else current

    current_compare_at = match.compare_at_price if match is not None else None
    compare_at = cell("compare_at_price", "" if current_compare_at is None else str(current_compare_at))
    return VariantInput(
        option_values=values,
        sku=cell("sku", match.sku if match else ""),
        price=row.get("price"),
        compare_at_price=compare_at or None,
        weight_grams=cell("weight_grams", str(match.weight_grams) if match else "0"),
        stock_quantity=cell("stock_quantity", str(match.stock_quantity) if match else "0"),
        # Without the column the stock is not the file's to set: product_update leaves it as it is
        # (orders change it while the import runs). With it, the file's number is written as given.
        stock_seen=match.stock_quantity if match is not None and "stock_quantity" not in columns else None,
        track_stock=_boolean(row, "track_stock", True, issues)
        if "track_stock" in columns
        else (match.track_stock if match else True),
        continue_selling=_boolean(row, "continue_selling", False, issues)
        if "continue_selling" in columns
        else (match.continue_selling if match else False),
        # The file has no image column: a variant keeps the image it had.
        image_id=match.image_id if match else None,
    )


# --- export -----------------------------------------------------------------------------


def _money(value: Decimal | None, places: int) -> str:
    if value is None:
        return ""
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


def _product_lines(product: Product, places: int) -> Iterator[list[str]]:
    options = list(product.options.all())
    variants: list[Variant | None] = [*product.variants.all()] or [None]
    for index, variant in enumerate(variants):
        line = dict.fromkeys(COLUMNS, "")
        line["handle"] = product.handle
        if index == 0:
            line.update(
                title=product.title,
                description_html=product.description_html,
                vendor=product.vendor,
                product_type=product.product_type,
                tags=", ".join(product.tags),
                status=product.status,
                seo_title=product.seo_title,
                seo_description=product.seo_description,
            )
            for n, option in enumerate(options[:MAX_OPTIONS], start=1):
                line[f"option{n}_name"] = option.name
        if variant is not None:
            for n, value in enumerate((variant.option1, variant.option2, variant.option3)[: len(options)], start=1):
                line[f"option{n}_value"] = value
            line.update(
                sku=variant.sku,
                price=_money(variant.price, places),
                compare_at_price=_money(variant.compare_at_price, places),
                weight_grams=str(variant.weight_grams),
                stock_quantity=str(variant.stock_quantity),
                track_stock="true" if variant.track_stock else "false",
                continue_selling="true" if variant.continue_selling else "false",
            )
        yield [escape_cell(line[c]) for c in COLUMNS]


def export_rows(*, store: Store, batch_size: int = _EXPORT_BATCH) -> Iterator[list[str]]:
    """The header, then one line per variant; three queries per batch of products, whatever their size."""
    yield list(COLUMNS)
    places = store_currency_places(store)
    last = 0
    while True:
        batch = list(
            Product.objects.filter(store=store, pk__gt=last)
            .order_by("pk")
            .prefetch_related(
                Prefetch("options", queryset=ProductOption.objects.filter(store=store)),
                Prefetch("variants", queryset=Variant.objects.filter(store=store)),
            )[:batch_size]
        )
        for product in batch:
            yield from _product_lines(product, places)
        if len(batch) < batch_size:
            return
        last = batch[-1].pk


class _Line:
    """A file-like object whose write returns the text, so csv.writer can format one line at a time."""

    def write(self, value: str) -> str:
        return value


def export_text(*, store: Store) -> Iterator[str]:
    """The export as CSV text chunks, starting with a byte-order mark for spreadsheet apps."""
    writer = csv.writer(_Line())
    yield BOM
    for line in export_rows(store=store):
        yield str(writer.writerow(line))

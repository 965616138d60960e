"""Storefront search: one store's published products, ranked, with prefixes and typos forgiven.

Each database searches with its own full-text engine (the index is made by
migration 0002_search):

- SQLite: FTS5 `MATCH` with a prefix query per term (`"lin"*`), ranked by
  bm25 with the title weighted ten times the rest of the document;
- PostgreSQL: a prefix tsquery (`'lin':*`) on the folded document, or trigram
  word similarity with the folded title (typos inside longer titles); ranked
  by ts_rank (title twice) plus the similarity.

When a query finds nothing, each term that starts no word of the store is
corrected against the store's own vocabulary (search_text.Vocabulary) and
the search runs again: FTS5 has no fuzzy matching, and trigrams miss short
words with swapped letters ("shrit"). Only the store's published products
feed that vocabulary, so a correction never reveals another store's words.

A page of matches (ids, total, correction) is kept for a short while under
the store's catalog version (`catalog_cache_key`), so a repeated query runs
no SQL and a catalog write shows at once; see `_search_cached` for what is
kept. The popular products' ids are kept the same way.

The SQL is fixed text with parameters; the user's query reaches it only as
terms of letters and digits (search_text.terms_of), so quotes, `*`, `NEAR(`,
`AND` or `^` are plain words or nothing. Every statement filters
`p.store_id = %s` at the top level (the test-suite tenant guard checks).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

from shopwright.catalog import selectors
from shopwright.catalog.cache import catalog_cache_key, catalog_version
from shopwright.catalog.models import ProductStatus
from shopwright.catalog.search_text import Vocabulary, terms_of
from shopwright.core.exceptions import ApplicationError, NotFound
from shopwright.stores.models import Store

MAX_QUERY_LENGTH = 100
# Deeper pages are refused before any query: nobody reads them, and an offset
# beyond 64 bits would overflow the database's integer.
MAX_PAGE = 10_000
PAGE_SIZE = selectors.PAGE_SIZE
SUGGESTION_COUNT = 6
POPULAR_COUNT = 12
# A page of matches is kept this long (and never past a catalog write): the
# ranking also follows sales, which do not change the catalog version.
RESULTS_CACHE_SECONDS = 120
# Only queries whose terms, joined, are at most this long are kept, and only
# when they found something: free text must not let anyone fill the cache
# (a word list of the store's own products is all that can be kept).
MAX_CACHED_QUERY_LENGTH = 50

# `rank MATCH` picks FTS5's ranking for this query: bm25 with weights per column
# (title, search_document, store_id); the title counts ten times the rest. (The
# bm25() function itself cannot be used beside the window function.) CROSS JOIN
# keeps the full-text match as the outer loop: SQLite's planner would otherwise
# walk the store's products and run the MATCH once per product (50x slower).
_SQLITE_SEARCH = """
    SELECT p.id, COUNT(*) OVER () AS total
    FROM catalog_product_fts
    CROSS JOIN catalog_product AS p ON p.id = catalog_product_fts.rowid
    WHERE catalog_product_fts MATCH %s
        AND catalog_product_fts.rank MATCH 'bm25(10.0, 1.0, 0.0)'
        AND p.store_id = %s
        AND p.status = %s
    ORDER BY catalog_product_fts.rank, p.sales_count DESC, p.id DESC
    LIMIT %s OFFSET %s
"""

# The columns search_vector and search_title are filled by a trigger (0002_search).
# Prefix tsquery matches, or titles within trigram word similarity (`<%%` is
# pg_trgm's operator, %% escaping the %), as two subqueries rather than an OR:
# then each may use its GIN index with the store condition inside it (the
# `::bigint` makes the parameter the type the index holds). For a store of a
# few thousand products the planner rather reads the store's rows and tests
# them, which costs the same whatever the size of the platform.
_POSTGRES_SEARCH = """
    SELECT p.id, COUNT(*) OVER () AS total
    FROM catalog_product AS p
    CROSS JOIN to_tsquery('simple'::regconfig, shopwright_search_fold(%s)) AS q
    WHERE p.store_id = %s AND p.status = %s AND p.id IN (
        SELECT d.id FROM catalog_product AS d
        WHERE d.store_id = %s::bigint
            AND d.search_vector @@ to_tsquery('simple'::regconfig, shopwright_search_fold(%s))
        UNION ALL
        SELECT t.id FROM catalog_product AS t
        WHERE t.store_id = %s::bigint AND shopwright_search_fold(%s) <%% t.search_title
    )
    ORDER BY
        2 * ts_rank(to_tsvector('simple'::regconfig, p.search_title), q)
        + ts_rank(p.search_vector, q)
        + word_similarity(shopwright_search_fold(%s), p.search_title) DESC,
        p.sales_count DESC,
        p.id DESC
    LIMIT %s OFFSET %s
"""


@dataclass(frozen=True)
class SearchHits(selectors.PageNumbers):
    """One page of matches as product ids, best first: what the storefront page needs before its cards."""

    query: str  # as the visitor typed it, trimmed
    # What was searched, when a typo was corrected ("linen shirt" for "lnen shrit"); else "".
    corrected: str
    ids: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class SearchResult(selectors.PageNumbers):
    """One page of results, best first."""

    query: str  # as the visitor typed it, trimmed
    # What was searched, when a typo was corrected ("linen shirt" for "lnen shrit"); else "".
    corrected: str
    cards: list[selectors.ProductCard]
    total: int


def query_checked(query: str | None) -> str:
    """The query trimmed; ApplicationError (400, field "q") when longer than MAX_QUERY_LENGTH."""
    text = " ".join((query or "").split())
    if len(text) > MAX_QUERY_LENGTH:
        raise ApplicationError.for_field("q", f"A search has at most {MAX_QUERY_LENGTH} characters.")
    return text


def search_hits(*, store: Store, query: str, page: int = 1, per_page: int = PAGE_SIZE) -> SearchHits:
    """Page `page` of the ids of the store's published products matching `query`.

    Raises ApplicationError for a query that is too long and NotFound for a
    page past the end (page 1 of nothing is an empty result). One query (the
    search) whatever the number of results, none for a page kept from a
    recent identical search; a query that finds nothing also reads the
    store's vocabulary, unless this process has it, and searches again.
    """
    text = query_checked(query)
    if page < 1:
        raise ApplicationError.for_field("page", "The page must be 1 or more.")
    if page > MAX_PAGE:
        raise NotFound("There is no such page.")
    ids, total, corrected = _search_cached(store, terms_of(text), limit=per_page, offset=(page - 1) * per_page)
    if page > 1 and not ids:
        raise NotFound("There is no such page.")
    return SearchHits(
        query=text,
        corrected=corrected,
        ids=ids,
        total=total,
        number=page,
        num_pages=selectors.page_count(total, per_page),
    )


def search_products(*, store: Store, query: str, page: int = 1, per_page: int = PAGE_SIZE) -> SearchResult:
    """`search_hits` with the cards of its products (two queries more). Raises as `search_hits`."""
    hits = search_hits(store=store, query=query, page=page, per_page=per_page)
    return SearchResult(
        query=hits.query,
        corrected=hits.corrected,
        cards=_cards_in_order(store, hits.ids),
        total=hits.total,
        number=hits.number,
        num_pages=hits.num_pages,
    )


def suggestion_ids(*, store: Store, query: str, limit: int = SUGGESTION_COUNT) -> tuple[int, ...]:
    """The ids of the best few matches for a query being typed; () for an empty one. Raises ApplicationError."""
    ids, _, _ = _search_cached(store, terms_of(query_checked(query)), limit=limit, offset=0)
    return ids


def search_suggestions(*, store: Store, query: str, limit: int = SUGGESTION_COUNT) -> list[selectors.ProductCard]:
    """The best few matches for a query being typed; [] for an empty one. Raises ApplicationError (too long)."""
    return _cards_in_order(store, suggestion_ids(store=store, query=query, limit=limit))


def popular_product_ids(*, store: Store, limit: int = POPULAR_COUNT) -> tuple[int, ...]:
    """Best-selling published products, then the newest: what an empty or fruitless search offers.

    Kept like a page of results (one entry per store), so an empty search runs no query.
    """
    key = catalog_cache_key(store.pk, "search-popular", limit)
    found: tuple[int, ...] | None = cache.get(key)
    if found is None:
        products = selectors.published_products(store=store).order_by("-sales_count", "-published_at", "-id")
        found = tuple(products.values_list("id", flat=True)[:limit])
        cache.set(key, found, RESULTS_CACHE_SECONDS)
    return found


def popular_products(*, store: Store, limit: int = POPULAR_COUNT) -> list[selectors.ProductCard]:
    """The cards of `popular_product_ids`."""
    return _cards_in_order(store, popular_product_ids(store=store, limit=limit))


# --- running the search ---------------------------------------------------------------------


_Found = tuple[tuple[int, ...], int, str]  # (ids of the page, total, correction shown or "")


def _search_cached(store: Store, terms: list[str], *, limit: int, offset: int) -> _Found:
    """`_search_with_corrections`, kept when it found something and its terms are short.

    The key is made of the folded terms (so "Linen", " linen " and "LINEN"
    share an entry), hashed to a fixed length, under the store's catalog
    version: a catalog write (a product published, renamed, unpublished)
    makes every kept page unreachable. A query that finds nothing is never
    kept: most random text finds nothing, so the cache holds only queries
    made of the store's own words.
    """
    if not terms:
        return (), 0, ""
    normalised = " ".join(terms)
    if len(normalised) > MAX_CACHED_QUERY_LENGTH:
        return _search_with_corrections(store, terms, limit=limit, offset=offset)
    digest = hashlib.sha256(normalised.encode()).hexdigest()[:32]
    key = catalog_cache_key(store.pk, "search", digest, limit, offset)
    found: _Found | None = cache.get(key)
    if found is None:
        found = _search_with_corrections(store, terms, limit=limit, offset=offset)
        if found[0]:
            cache.set(key, found, RESULTS_CACHE_SECONDS)
    return found


def _search_with_corrections(store: Store, terms: list[str], *, limit: int, offset: int) -> _Found:
    if not terms:
        return (), 0, ""
    ids, total = _run(store.pk, terms, limit=limit, offset=offset)
    if ids:
        return ids, total, ""
    vocabulary = store_vocabulary(store)
    corrected, shown, changed = [], [], False
    for term in terms:
        fix = None if vocabulary.has_prefix(term) else vocabulary.correct(term)
        if fix is None:
            corrected.append(term)
            shown.append(term)
        else:
            corrected.append(fix[0])
            shown.append(fix[1])
            changed = True
    if not changed:
        return (), 0, ""
    ids, total = _run(store.pk, corrected, limit=limit, offset=offset)
    return ids, total, " ".join(shown) if ids else ""


def _run(store_id: int, terms: list[str], *, limit: int, offset: int) -> tuple[tuple[int, ...], int]:
    """Ids of one page of matches, best first, and the number of matches in all."""
    if connection.vendor == "postgresql":
        sql = _POSTGRES_SEARCH
        tsquery, words = _tsquery(terms), " ".join(terms)
        params: list[str | int] = [tsquery, store_id, ProductStatus.PUBLISHED]
        params += [store_id, tsquery, store_id, words, words, limit, offset]
    else:
        sql = _SQLITE_SEARCH
        params = [_fts5_query(terms), store_id, ProductStatus.PUBLISHED, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return tuple(row[0] for row in rows), (rows[0][1] if rows else 0)


def _fts5_query(terms: list[str]) -> str:
    """Every term required; terms of two letters or more also as prefixes ("lin" finds "linen").

    Terms are letters and digits only, so quoting them makes each a plain
    string to FTS5 even when it reads like an operator ("and", "near").
    A one-letter prefix is not indexed and would scan every word; it is
    matched as a whole word.
    """
    return " ".join(f'"{t}"*' if len(t) > 1 else f'"{t}"' for t in terms)


def _tsquery(terms: list[str]) -> str:
    """The to_tsquery text: every term required, as a prefix (letters and digits only: nothing to escape)."""
    return " & ".join(f"'{t}':*" if len(t) > 1 else f"'{t}'" for t in terms)


def _cards_in_order(store: Store, ids: tuple[int, ...]) -> list[selectors.ProductCard]:
    if not ids:
        return []
    cards = selectors.product_cards(store=store, products=selectors.published_products(store=store).filter(pk__in=ids))
    by_id = {card.id: card for card in cards}
    return [by_id[i] for i in ids if i in by_id]


# --- the store's vocabulary -----------------------------------------------------------------

# Vocabularies of the stores searched lately, per worker process. An entry is
# valid for the catalog version it was built at: any catalog write makes the
# next correction rebuild it. Bounded, so many stores cannot exhaust memory.
_VOCABULARY_STORES = 32
_vocabularies: OrderedDict[int, tuple[int, Vocabulary]] = OrderedDict()
_vocabularies_lock = threading.Lock()


def store_vocabulary(store: Store) -> Vocabulary:
    """The words of the store's published products (one query when the catalog changed since last built)."""
    version = catalog_version(store.pk)
    with _vocabularies_lock:
        found = _vocabularies.get(store.pk)
        if found is not None and found[0] == version:
            _vocabularies.move_to_end(store.pk)
            return found[1]
    documents = selectors.published_products(store=store).values_list("title", "search_document")
    vocabulary = Vocabulary.build(f"{title}\n{document}" for title, document in documents.iterator(chunk_size=2000))
    with _vocabularies_lock:
        _vocabularies[store.pk] = (version, vocabulary)
        _vocabularies.move_to_end(store.pk)
        while len(_vocabularies) > _VOCABULARY_STORES:
            _vocabularies.popitem(last=False)
    return vocabulary

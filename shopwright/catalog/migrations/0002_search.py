"""The storefront search index, built the way each database does full-text search best.

SQLite (the embedded default): an FTS5 table over catalog_product's title and
search_document (external content: the text is not stored twice), kept in
step by triggers, so every write path (the services, the CSV import, bulk
inserts of the benchmark data) is indexed without Python code. Words are
folded with unicode61 remove_diacritics 2 ("Crème" is found by "creme"), and
2- and 3-letter prefixes are indexed for search-as-you-type.

Beware: when a later migration makes Django's SQLite backend rebuild
catalog_product (copy to a new table, drop the old one), the triggers go with
the old table; that migration must create them again (the SQL is below;
tests/storefront/test_search.py::test_the_search_index_is_in_place fails
when they are missing).

PostgreSQL: two columns the model does not declare, filled by a trigger on
every insert and on every update of the title or the document:
`search_vector`, the tsvector of the folded search document, and
`search_title`, the folded title. A search then compares ready values
instead of parsing every product's text again (about 2 ms instead of 15 ms
for a store of 1,000 products). A trigger rather than generated columns, so
a later migration may still change the type of `title` (PostgreSQL refuses
to for a column a generated one depends on). Each column has a GIN index that
starts with store_id (btree_gin makes the integer usable in a GIN index): the
tsvector for prefix queries, trigrams of the title for typo-tolerant
similarity. Folding needs unaccent, which is not IMMUTABLE (its dictionary
could change), so it is wrapped in an IMMUTABLE function;
`shopwright.catalog.search` calls the same function on the query side.

Reversing drops the index, the triggers, the columns and the functions but
leaves the extensions: other apps may use them, and creating them again is
harmless.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE catalog_product_fts USING fts5(
        title,
        search_document,
        store_id UNINDEXED,
        content='catalog_product',
        content_rowid='id',
        tokenize='unicode61 remove_diacritics 2',
        prefix='2 3'
    )
    """,
    """
    CREATE TRIGGER catalog_product_fts_insert AFTER INSERT ON catalog_product BEGIN
        INSERT INTO catalog_product_fts(rowid, title, search_document, store_id)
        VALUES (new.id, new.title, new.search_document, new.store_id);
    END
    """,
    """
    CREATE TRIGGER catalog_product_fts_delete AFTER DELETE ON catalog_product BEGIN
        INSERT INTO catalog_product_fts(catalog_product_fts, rowid, title, search_document, store_id)
        VALUES ('delete', old.id, old.title, old.search_document, old.store_id);
    END
    """,
    """
    CREATE TRIGGER catalog_product_fts_update AFTER UPDATE OF title, search_document, store_id ON catalog_product
    BEGIN
        INSERT INTO catalog_product_fts(catalog_product_fts, rowid, title, search_document, store_id)
        VALUES ('delete', old.id, old.title, old.search_document, old.store_id);
        INSERT INTO catalog_product_fts(rowid, title, search_document, store_id)
        VALUES (new.id, new.title, new.search_document, new.store_id);
    END
    """,
    # Products written before this migration.
    "INSERT INTO catalog_product_fts(catalog_product_fts) VALUES ('rebuild')",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_product_fts_update",
    "DROP TRIGGER IF EXISTS catalog_product_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_product_fts_insert",
    "DROP TABLE IF EXISTS catalog_product_fts",
]

POSTGRES_EXTENSIONS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
]

# Where unaccent lives (usually "public"): the function names it with its schema,
# so it works whatever search_path a connection has.
UNACCENT_SCHEMA = """
    SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'unaccent'
"""

POSTGRES_FOLD_FUNCTION = """
    CREATE OR REPLACE FUNCTION shopwright_search_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1)) $$
"""

POSTGRES_COLUMNS = [
    "ALTER TABLE catalog_product ADD COLUMN search_vector tsvector, ADD COLUMN search_title text",
    """
    CREATE OR REPLACE FUNCTION shopwright_product_search_columns() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := to_tsvector('simple'::regconfig, shopwright_search_fold(NEW.search_document));
        NEW.search_title := shopwright_search_fold(NEW.title);
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER catalog_product_search_columns
    BEFORE INSERT OR UPDATE OF title, search_document ON catalog_product
    FOR EACH ROW EXECUTE FUNCTION shopwright_product_search_columns()
    """,
    # Products written before this migration.
    """
    UPDATE catalog_product SET
        search_vector = to_tsvector('simple'::regconfig, shopwright_search_fold(search_document)),
        search_title = shopwright_search_fold(title)
    """,
    "CREATE INDEX catalog_product_search_vector ON catalog_product USING gin (store_id, search_vector)",
    "CREATE INDEX catalog_product_search_title_trgm ON catalog_product USING gin (store_id, search_title gin_trgm_ops)",
]

POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS catalog_product_search_title_trgm",
    "DROP INDEX IF EXISTS catalog_product_search_vector",
    "DROP TRIGGER IF EXISTS catalog_product_search_columns ON catalog_product",
    "DROP FUNCTION IF EXISTS shopwright_product_search_columns()",
    "ALTER TABLE catalog_product DROP COLUMN IF EXISTS search_title, DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS shopwright_search_fold(text)",
]


def create_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in POSTGRES_EXTENSIONS:
            schema_editor.execute(statement)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(UNACCENT_SCHEMA)
            (schema,) = cursor.fetchone()
        # `schema` comes from the catalog (quote_ident), not from any user input.
        schema_editor.execute(POSTGRES_FOLD_FUNCTION.format(schema=schema))
        for statement in POSTGRES_COLUMNS:
            schema_editor.execute(statement)


def drop_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(create_search_index, drop_search_index, elidable=False)]

# Placeholder: the search indexes (SQLite FTS5 / PostgreSQL full-text + trigram) are added here.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = []

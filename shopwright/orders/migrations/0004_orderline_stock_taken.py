# OrderLine.stock_taken: what the reservation took, so a cancellation gives back exactly that.

from django.db import migrations, models
from django.db.models import F


def lines_hold_what_they_would_have_released(apps, schema_editor):
    """Lines placed before this field still hold stock: set it to what the old release would have put back.

    That was the line's quantity for a variant tracking stock, nothing otherwise; a line
    already restocked holds nothing.
    """
    OrderLine = apps.get_model("orders", "OrderLine")
    OrderLine.objects.filter(restocked=False, variant__track_stock=True).update(stock_taken=F("quantity"))


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_variant_stock_not_oversold"),
        ("orders", "0003_area_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="stock_taken",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(lines_hold_what_they_would_have_released, migrations.RunPython.noop, elidable=True),
    ]

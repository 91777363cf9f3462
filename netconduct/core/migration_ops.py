"""Migration operations shared by the apps' migrations."""

from __future__ import annotations

from django.db import migrations


def drop_like_twins(app_label: str, model_name: str, fields: tuple[str, ...]) -> migrations.RunPython:
    """PostgreSQL only: drop the `varchar_pattern_ops` twins (`…_like`) Django made of these fields' indexes.

    Django adds such a twin to every indexed CharField on PostgreSQL, so that `LIKE 'x%'` can use an index under a
    non-C collation. Where nothing filters the field by a prefix, the twin is only one more index to keep up to date
    for every row written (and to rebuild after a bulk load). Reversed, the twins are made again.
    """

    def names(schema_editor, model):
        table = model._meta.db_table
        return [
            (model._meta.get_field(name), schema_editor._create_index_name(table, [name], suffix="_like"))
            for name in fields
        ]

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for _field, name in names(schema_editor, apps.get_model(app_label, model_name)):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model(app_label, model_name)
        for field, _name in names(schema_editor, model):
            sql = schema_editor._create_like_index_sql(model, field)
            if sql is not None:
                schema_editor.execute(sql)

    return migrations.RunPython(drop, create, elidable=False)

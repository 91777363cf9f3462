"""PostgreSQL only: drop the `varchar_pattern_ops` twins Django made of the audit events' `hash` and `unit_path`
indexes (`…_like`), which no query uses.

Django adds such a twin to every indexed CharField on PostgreSQL so that `LIKE 'x%'` can use an index under a
non-C collation. Nothing filters events by a prefix of their hash (only by equality, which the unique index
answers), and the subtree filter on `unit_path` is a range (`scoping.subtree_q`: `path <= unit_path <= path||'ZZ…'`),
which the plain B-tree index answers in every collation. Each twin was one more index to maintain for every event
written: the COPY of 100,000 events of a first roster import kept eleven. `action`'s twin stays: `action__startswith`
(the audit list's filter, the reports' confidential prefixes) is a LIKE.
"""

from django.db import migrations

UNUSED = ("hash", "unit_path")


def _names(schema_editor, model):
    table = model._meta.db_table
    return [
        (model._meta.get_field(name), schema_editor._create_index_name(table, [name], suffix="_like"))
        for name in UNUSED
    ]


def drop_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("core", "AuditEvent")
    for _field, name in _names(schema_editor, model):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    model = apps.get_model("core", "AuditEvent")
    for field, _name in _names(schema_editor, model):
        sql = schema_editor._create_like_index_sql(model, field)
        if sql is not None:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_actor_ref")]

    operations = [migrations.RunPython(drop_like_indexes, create_like_indexes, elidable=False)]

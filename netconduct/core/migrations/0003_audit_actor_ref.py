"""Events name their actor in the hashed content by `actor_ref`, a plain number, so that deleting an account that
has acted (its link set to NULL) no longer changes what the hash covers. Existing events get `actor_ref` from their
link, which is the value their hash was made with.

On PostgreSQL the append-only trigger now lets exactly one update through: the actor link becoming NULL when the
account is deleted, with every other column unchanged.
"""

from django.db import migrations, models

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
     AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
"""
PG_FUNCTION_BEFORE = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
"""


def copy_actor(apps, schema_editor):
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:
        schema_editor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditEvent.objects.filter(actor__isnull=False).update(actor_ref=models.F("actor_id"))
    if pg:
        schema_editor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
        schema_editor.execute(PG_FUNCTION)


def restore_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="actor_ref",
            field=models.PositiveBigIntegerField(
                blank=True, editable=False, null=True, verbose_name="操作人编号（记录时）"
            ),
        ),
        migrations.RunPython(copy_actor, restore_trigger),
    ]

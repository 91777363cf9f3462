"""PostgreSQL only: drop the `varchar_pattern_ops` twins Django made of the audit events' `hash` and `unit_path`
indexes (`…_like`), which no query uses.

Nothing filters events by a prefix of their hash (only by equality, which the unique index answers), and the
subtree filter on `unit_path` is a range (`scoping.subtree_q`: `path <= unit_path <= path||'ZZ…'`), which the plain
B-tree index answers in every collation. Each twin was one more index to maintain for every event written: the
COPY of 100,000 events of a first roster import kept eleven. `action`'s twin stays: `action__startswith` (the audit
list's filter, the reports' confidential prefixes) is a LIKE.
"""

from django.db import migrations

from netconduct.core.migration_ops import drop_like_twins


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_actor_ref")]

    operations = [drop_like_twins("core", "AuditEvent", ("hash", "unit_path"))]

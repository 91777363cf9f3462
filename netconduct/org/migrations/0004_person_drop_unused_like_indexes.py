"""PostgreSQL only: drop the `varchar_pattern_ops` twins Django made of the people's `id_number_hash` and `mobile`
indexes (`…_like`), which no query uses.

ID hashes are only ever looked up whole (the unique index answers), and mobiles whole (login, the roster's
clashes: the plain index) or by their end (`mobile__endswith` in the people search, which no B-tree index helps).
The twins of `employee_no` and `name_initials` stay: the people search filters both by prefix. A first roster
import of 100,000 people rebuilt both after the load (`bulk.DeferredIndexes`), and every person written kept them.
"""

from django.db import migrations

from netconduct.core.migration_ops import drop_like_twins


class Migration(migrations.Migration):
    dependencies = [("org", "0003_political_status_activist_candidate_non_party")]

    operations = [drop_like_twins("org", "Person", ("id_number_hash", "mobile"))]

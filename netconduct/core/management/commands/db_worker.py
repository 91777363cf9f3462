"""`netconduct db_worker`: django-tasks-db's worker, after the apps' warm-ups (`background.worker_warm_up`).

netconduct.core is listed before django_tasks_db in INSTALLED_APPS so that this command is the one that runs; its
options and behaviour are django-tasks-db's own.
"""

from __future__ import annotations

from django_tasks_db.management.commands import db_worker

from netconduct.core import background


class Command(db_worker.Command):
    def handle(self, *args, **options):
        background.worker_warm_up()
        return super().handle(*args, **options)

from django.apps import AppConfig


class BackupConfig(AppConfig):
    """Backups and restores of the whole installation (database, stored files, keys), and the operations jobs the
    product schedules for itself (report purges, clean-ups, backups) beside the reminders."""

    name = "netconduct.backup"
    label = "backup"
    verbose_name = "备份与恢复"

    def ready(self) -> None:
        from .jobs import jobs_register

        jobs_register()

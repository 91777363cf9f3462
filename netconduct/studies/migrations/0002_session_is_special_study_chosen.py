"""`is_special` becomes `is_special_study`, off by default: whether a session is the year's special study on the
norms is chosen when it is recorded. Existing sessions keep the value they were recorded with."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("studies", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(
            model_name="studysession",
            old_name="is_special",
            new_name="is_special_study",
        ),
        migrations.AlterField(
            model_name="studysession",
            name="is_special_study",
            field=models.BooleanField(default=False, verbose_name="网络行为规范专题学习"),
        ),
    ]

"""Robot addresses and signing secrets sealed with the field keys: each row's plain values are encrypted into the
new columns, then the plain columns are dropped."""

from django.db import migrations, models

from netconduct.core import crypto

URL_CONTEXT = "unitwebhook.url"
SECRET_CONTEXT = "unitwebhook.secret"


def seal(apps, schema_editor):
    UnitWebhook = apps.get_model("notifications", "UnitWebhook")
    for hook in UnitWebhook.objects.all():
        hook.url_enc = crypto.encrypt(hook.url, context=URL_CONTEXT)
        hook.url_hash = crypto.keyed_hash(hook.url, context=URL_CONTEXT)
        hook.secret_enc = crypto.encrypt(hook.secret, context=SECRET_CONTEXT) if hook.secret else ""
        hook.save(update_fields=["url_enc", "url_hash", "secret_enc"])


def unseal(apps, schema_editor):
    UnitWebhook = apps.get_model("notifications", "UnitWebhook")
    for hook in UnitWebhook.objects.all():
        hook.url = crypto.decrypt(hook.url_enc, context=URL_CONTEXT)
        hook.secret = crypto.decrypt(hook.secret_enc, context=SECRET_CONTEXT) if hook.secret_enc else ""
        hook.save(update_fields=["url", "secret"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="unitwebhook",
            name="url_enc",
            field=models.TextField(default="", editable=False, verbose_name="Webhook 地址（加密）"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="unitwebhook",
            name="url_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="unitwebhook",
            name="secret_enc",
            field=models.TextField(blank=True, editable=False, verbose_name="加签密钥（加密）"),
        ),
        migrations.RunPython(seal, unseal),
        migrations.RemoveField(model_name="unitwebhook", name="url"),
        migrations.RemoveField(model_name="unitwebhook", name="secret"),
        migrations.AddConstraint(
            model_name="unitwebhook",
            constraint=models.UniqueConstraint(fields=("unit", "url_hash"), name="unitwebhook_unique_url"),
        ),
    ]

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "netconduct.documents"
    label = "documents"
    verbose_name = _("文件与规范")

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices
        from netconduct.core.templatetags.netconduct import register_value_labels

        from .choices import LinkKind

        register_value_labels("kind", LinkKind.choices, object_type="documents.document")

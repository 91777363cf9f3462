from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "netconduct.evidence"
    label = "evidence"
    verbose_name = "检查材料"

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices

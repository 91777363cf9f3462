from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "netconduct.org"
    label = "org"
    verbose_name = "组织与人员"

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_model_labels

        register_model_labels(*self.get_models())  # audit events read with the models' own names and choices

        from netconduct.core.templatetags.netconduct import register_value_labels

        from .choices import Gender, PoliticalStatus, Role

        for field, choices in (
            ("political_status", PoliticalStatus.choices),
            ("gender", Gender.choices),
            ("role", Role.choices),
        ):
            register_value_labels(field, choices)

from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "netconduct.org"
    label = "org"
    verbose_name = "组织与人员"

    def ready(self) -> None:
        from netconduct.core.templatetags.netconduct import register_value_labels

        from .choices import Gender, PersonStatus, PoliticalStatus, Role, UnitKind

        for field, choices in (
            ("kind", UnitKind.choices),
            ("political_status", PoliticalStatus.choices),
            ("status", PersonStatus.choices),
            ("gender", Gender.choices),
            ("role", Role.choices),
        ):
            register_value_labels(field, choices)

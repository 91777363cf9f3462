from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The top floor: what gathers every app — each role's home page, the navigation, the audit log page,
    quickstart and the demo. It may import any app; no app imports it."""

    name = "netconduct.home"
    label = "home"
    verbose_name = "首页"

"""No app imports one above it (netconduct/layers.py has the order and says why)."""

from __future__ import annotations

from netconduct import layers


def test_every_app_has_a_floor():
    placed = {app for floor in layers.LAYERS for app in floor}
    assert set(layers.app_directories()) == placed


def test_no_import_runs_upwards_or_sideways():
    violations = layers.check_package()
    assert not violations, "imports against the order of the house:\n" + "\n".join(map(str, violations))


def test_the_check_sees_upward_sideways_and_hidden_imports():
    source = (
        "from netconduct.campaigns.models import Campaign\n"  # upwards, at the top
        "def later():\n"
        "    from netconduct.registry import reviews\n"  # upwards, inside a function
        "    import netconduct.home.views\n"  # `import x.y` form
        "from ..pledges import services\n"  # relative, into a sibling's room
        "from netconduct import reports\n"  # `from netconduct import app`
    )
    found = layers.check_source(source, module="netconduct.notifications.services")
    assert [(v.line, v.imported) for v in found] == [
        (1, "campaigns"),
        (3, "registry"),
        (4, "home"),
        (5, "pledges"),
        (6, "reports"),
    ]
    sideways = layers.check_source(
        "from netconduct.pledges import services\n", module="netconduct.registry.views"
    )
    assert [v.imported for v in sideways] == ["pledges"]


def test_the_check_allows_what_the_order_allows():
    source = (
        "from netconduct.core.audit import audit_record\n"
        "from netconduct.org import scoping\n"
        "from . import selectors\n"
        "from .models import Campaign\n"
        "from netconduct.settings import env\n"
    )
    assert layers.check_source(source, module="netconduct.campaigns.services") == []
    assert (
        layers.check_source("from netconduct import testing\n", module="netconduct.org.tests.test_views")
        == []
    )
    assert [
        v.imported
        for v in layers.check_source("from netconduct import testing\n", module="netconduct.org.views")
    ] == ["testing"]
    assert layers.check_source("from netconduct.reports import demo\n", module="netconduct.home.demo") == []
    # relative imports resolve from the package: `from ..models` in registry/services/__init__.py is registry's
    assert (
        layers.check_source(
            "from ..models import Account\n", module="netconduct.registry.services", is_package=True
        )
        == []
    )
    assert [
        v.imported
        for v in layers.check_source(
            "from ...pledges import models\n", module="netconduct.registry.services", is_package=True
        )
    ] == ["pledges"]

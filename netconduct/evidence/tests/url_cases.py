"""Permission cases for the evidence-pack URLs: staff and discipline inspectors of the unit's subtree. Inside = a pack
of branch 1 (built, so that it can be downloaded), outside = one of another company's branch."""

from __future__ import annotations

from netconduct.core.url_matrix import UrlCase

PACKERS = frozenset({"sysadmin", "unit_admin", "inspector"})


def _pack(unit, *, build: bool = False):
    from netconduct.evidence import services

    pack = services.evidence_pack_request(actor=unit_root(), unit=unit, year=2026, enqueue=False)
    return services.evidence_pack_build(pack_id=pack.pk) if build else pack


def unit_root():
    from netconduct import testing

    return testing.superuser()


def _pk(build: bool = False, *, outside: bool = False):
    return lambda w: {"pk": _pack(w.other_branch if outside else w.org.branch1, build=build).pk}


CASES = [
    UrlCase("evidence:pack_list", PACKERS),
    UrlCase("evidence:pack_detail", PACKERS, inside=_pk(), outside=_pk(outside=True)),
    UrlCase("evidence:pack_status", PACKERS, inside=_pk(), outside=_pk(outside=True)),
    UrlCase(
        "evidence:pack_download",
        PACKERS,
        inside=_pk(build=True),
        outside=_pk(build=True, outside=True),
        note="every download is audited; a pack not yet built answers 404",
    ),
]

from netconduct.core.url_matrix import EVERYONE, Exempt, UrlCase

CASES = [
    UrlCase("ops:healthz", EVERYONE, public=True),
    UrlCase("ops:readyz", EVERYONE, public=True),
]

EXEMPT = [
    Exempt(
        "ops:metrics",
        "for the monitoring system, not for people: answers only a bearer token (NETCONDUCT_METRICS_TOKEN) or, "
        "without one, a direct loopback connection, whatever the session's role; ops/tests/test_metrics.py",
    ),
]

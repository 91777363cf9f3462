"""The documentation page in the reader's language; openapi.json stays as written (Chinese)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from netconduct.api import docs_strings
from netconduct.api.views import docs_strings as strings_of_the_document


def test_every_text_of_the_openapi_document_is_listed_for_translation():
    missing = sorted(set(strings_of_the_document()) - set(docs_strings.STRINGS))
    assert not missing, (
        f"run python scripts/i18n.py api-strings, then extract and translate api: {missing[:5]}"
    )


@pytest.mark.django_db
def test_the_documentation_page_is_translated_and_the_document_is_not():
    client = Client(headers={"accept-language": "en"})
    page = client.get(reverse("api:docs")).content.decode()
    assert "Online Conduct Platform API" in page and "List units" in page
    assert client.get(reverse("api:v1:openapi-json")).json()["info"]["title"] == "网络行为规范管理平台 API"

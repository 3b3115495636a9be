"""Property-based: schemathesis sends requests made from the OpenAPI schema to every
endpoint; none may answer with a server error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from digitnet.web.app import create_app  # noqa: E402

# the test data comes from DIGITNET_DATA (or the cache), as for any user
APP = create_app(models_dir=Path(tempfile.mkdtemp(prefix="digitnet-fuzz-")))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:300])

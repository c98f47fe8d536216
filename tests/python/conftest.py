"""Shared fixtures for the Python front end's pytest suite: the backends to run on.

Every test that takes ``backend`` runs once per plugin the registry can use here
(reference, parallel, cuda where a GPU is present); an unusable one is reported as
skipped with the loader's reason, never as passed. Not MiniTorch's own conftest.
"""

import pytest
import minitorch

# MiniTorch's names for the backends, and the plugin each stands for.
KNOWN = ["reference", "parallel", "cuda"]


def _params():
    found = {row["name"]: row for row in minitorch.backends()}
    params = []
    for name in KNOWN:
        row = found.get(name)
        if row is not None and row["outcome"] == "loaded":
            params.append(pytest.param(name, id=name))
        else:
            why = row["reason"] if row else "no plugin of that name was found"
            params.append(pytest.param(name, id=name, marks=pytest.mark.skip(reason=why)))
    return params


BACKEND_PARAMS = _params()


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request):
    return minitorch.backend(request.param)

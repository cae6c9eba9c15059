from __future__ import annotations

from pathlib import Path

import pytest

from imagesmith.core.profile import Profile, load_profile

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile("default")

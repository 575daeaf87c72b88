import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=60, deadline=None)
settings.load_profile("ci")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_leftover_interrupt():
    """A signal a test sent to itself (tests/test_interrupt.py) never reaches the next test."""
    from snake_ai import interrupt

    interrupt.reset()
    yield
    interrupt.reset()


def pytest_collection_modifyitems(config, items):
    """`make test` runs on two processes (pytest-xdist, --dist loadgroup): the tests that start a
    Ray cluster share one of them, so two clusters never run side by side."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if module in ("test_ray", "test_ray_cluster") or "_ray" in item.name:
            item.add_marker(pytest.mark.xdist_group("ray"))

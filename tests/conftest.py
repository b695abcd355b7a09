pytest_plugins = ["xinyi_core.testing"]

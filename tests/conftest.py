import os

from hypothesis import settings

pytest_plugins = ["xinyi_core.testing"]

# Randomised tests are deterministic by default, so a landing never depends on luck: the "ci"
# profile derandomises Hypothesis (the same examples on every run) and keeps no example database.
# Explore further, opt-in, with `bash scripts/test.sh --hypothesis-profile=deep tests/reliability`
# (random seeds, ten times the examples; see tests/reliability/_input_helpers.py).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("deep", derandomize=False, max_examples=1000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

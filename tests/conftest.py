"""Test folders mirror the package (tests/caches, tests/sim, ...); this file puts tests/ itself on
sys.path, so every folder can import the shared reference models (reference_models.py)."""

"""Use cases: the only layer that combines models, curriculum and grading. Services flush, never commit."""

"""GPU compatibility: the knowledge data, GPU stacks of Dockerfiles and images, the
NVIDIA_REQUIRE_* evaluator, per-node-group verdicts and choosing what runs (docs/compat.md)."""

"""IS0xx: inputs that are not a buildable Dockerfile."""

"""Request bundles: a deterministic writer, the manifest model and a reader that trusts nothing."""

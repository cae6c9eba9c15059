"""GPU compatibility rules IS401-IS407: the compat engine's reasoning as lint findings."""

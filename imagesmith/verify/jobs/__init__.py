"""verify on the cluster: probe jobs per node group through the scheduler (PSI/J)."""

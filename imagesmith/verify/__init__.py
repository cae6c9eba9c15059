"""`imagesmith verify`: probe an image the way the cluster runs jobs.

One module per check (versions, imports, runtime, compat, smoke); `probe` runs the
in-image script `probe_script.py`; `model` holds the report types.
"""

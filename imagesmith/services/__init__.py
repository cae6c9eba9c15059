"""Services: one module per user job (lint, compat, build, verify, package, review, ...).

Services take plain arguments, use core/rules/engine/render/report, and return
results; they never parse command lines and never call sys.exit.
"""

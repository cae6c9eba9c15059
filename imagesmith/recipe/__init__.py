"""Recipes for `imagesmith new`: the recipe model and loader, parameter values,
GPU-name resolution and the chooser that picks a base image and framework build."""

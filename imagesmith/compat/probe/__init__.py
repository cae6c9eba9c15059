"""The one in-image probe: `probe_image(engine, ref) -> ImageFacts`, used by compat and verify.

- in_image.sh   runs in the image with /bin/sh alone; starts in_image.py when there is a Python
- in_image.py   the Python part, in the common subset of Python 2.7 and 3.x
- parse.py      their output -> ImageFacts (pure: every decision, e.g. the loader's order)
- facts.py      the ImageFacts types
- run.py        running it through the engine
"""

from imagesmith.compat.probe.facts import ImageFacts
from imagesmith.compat.probe.parse import parse_probe_output
from imagesmith.compat.probe.run import probe_image

__all__ = ["ImageFacts", "parse_probe_output", "probe_image"]

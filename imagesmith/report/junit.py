"""JUnit XML, the format CI systems read test results from (lint findings, verify checks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree as ET


@dataclass
class JUnitCase:
    name: str
    classname: str
    time: float = 0.0
    failure: str | None = None  # failure message; None = passed
    failure_text: str = ""  # details (log lines, reasons)
    skipped: str | None = None
    system_out: str = ""


@dataclass
class JUnitSuite:
    name: str
    cases: list[JUnitCase] = field(default_factory=list)


def render_junit(suites: list[JUnitSuite]) -> str:
    root = ET.Element("testsuites")
    total = failures = skipped = 0
    for suite in suites:
        s_fail = sum(1 for c in suite.cases if c.failure is not None)
        s_skip = sum(1 for c in suite.cases if c.skipped is not None and c.failure is None)
        el = ET.SubElement(root, "testsuite", name=suite.name, tests=str(len(suite.cases)),
                           failures=str(s_fail), errors="0", skipped=str(s_skip),
                           time=f"{sum(c.time for c in suite.cases):.3f}")
        for case in suite.cases:
            c = ET.SubElement(el, "testcase", name=case.name, classname=case.classname,
                              time=f"{case.time:.3f}")
            if case.failure is not None:
                f = ET.SubElement(c, "failure", message=case.failure)
                f.text = case.failure_text or case.failure
            elif case.skipped is not None:
                ET.SubElement(c, "skipped", message=case.skipped)
            if case.system_out:
                ET.SubElement(c, "system-out").text = case.system_out
        total += len(suite.cases)
        failures += s_fail
        skipped += s_skip
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", "0")
    # no `skipped` here: the Jenkins JUnit schema allows it on <testsuite>, not <testsuites>
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

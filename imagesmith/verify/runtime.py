"""Check 3 (warnings): what the guide's FAQ warns about for a uid without a passwd entry:
`getpass.getuser()` fails, HOME is `/` and not writable, and the time zone is not the
cluster's unless TZ is set."""

from __future__ import annotations

from typing import Any

from imagesmith.verify.model import Check


def check_runtime(job: dict[str, Any], env: dict[str, str], timezone: str) -> Check:
    problems = []
    getuser = job.get("getuser", {})
    if not getuser.get("ok", False):
        problems.append(f"getpass.getuser() fails ({getuser.get('error', 'no result')}); "
                        "set ENV USER=... or LOGNAME=... (guide FAQ)")
    home = job.get("home", {})
    if not home.get("writable", False):
        problems.append(f"HOME={home.get('value') or '(unset)'} is not writable by the job uid; "
                        "tools writing ~/.cache, ~/.keras... fail: set HOME to /tmp or a mounted folder")
    tz = job.get("tz", {})
    if timezone and tz.get("env") != timezone and not str(tz.get("localtime", "")).endswith(timezone):
        problems.append(f"time zone is {tz.get('env') or tz.get('abbrev') or 'UTC'}, not {timezone}; "
                        f"add ENV TZ={timezone}")
    summary = (f"{len(problems)} runtime warning(s) for a uid without passwd entry" if problems
               else "getuser, HOME and TZ behave for the job uid")
    return Check("runtime", not problems, "warning", summary, problems, {"probe": job})

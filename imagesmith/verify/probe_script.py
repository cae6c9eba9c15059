# Runs INSIDE the image under test, as the job uid, as `python -c <this text> job TIMEOUT NAME...`,
# and prints one JSON object: each top-level NAME imported in a child process, getuser/HOME/TZ.
# It must work with whatever Python the image has (2.7 and 3.x), so: no f-strings, no
# annotations, standard library only. What is installed comes from the one facts probe that
# compat uses too (imagesmith/compat/probe/).
import json
import os
import subprocess
import sys
import time


def read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except (IOError, OSError):
        return None


def try_import(name, timeout):
    start = time.time()
    proc = subprocess.Popen([sys.executable, "-c", "import " + name],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while proc.poll() is None:
        if time.time() - start > timeout:
            proc.kill()
            proc.wait()
            return {"ok": False, "error": "import did not finish within %ds" % timeout}
        time.sleep(0.02)
    err = proc.stderr.read().decode("utf-8", "replace").strip().splitlines()
    proc.stdout.read()
    return {"ok": proc.returncode == 0, "error": err[-1] if err and proc.returncode else ""}


def job(names, timeout):
    out = {"uid": os.getuid(), "imports": {}}
    for name in names:
        out["imports"][name] = try_import(name, timeout)
    try:
        import getpass
        out["getuser"] = {"ok": True, "value": getpass.getuser()}
    except Exception as exc:  # KeyError: 'getpwuid(): uid not found: 1234'
        out["getuser"] = {"ok": False, "error": "%s: %s" % (type(exc).__name__, exc)}
    home = os.environ.get("HOME", "")
    out["home"] = {"value": home, "exists": bool(home) and os.path.isdir(home),
                   "writable": bool(home) and os.access(home, os.W_OK)}
    link = os.path.realpath("/etc/localtime") if os.path.exists("/etc/localtime") else ""
    out["tz"] = {"env": os.environ.get("TZ", ""), "localtime": link,
                 "timezone_file": (read("/etc/timezone") or "").strip(), "abbrev": time.strftime("%Z")}
    return out


def main(argv):
    # argv: "job" TIMEOUT NAME...
    sys.stdout.write(json.dumps(job(argv[2:], int(argv[1]))))


if __name__ == "__main__":
    main(sys.argv[1:])

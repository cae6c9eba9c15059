# Runs INSIDE the image under test, as `python -c <this text> MODE ARGS...`, and prints one
# JSON object. It must work with whatever Python the image has (2.7 and 3.x), so: no
# f-strings, no annotations, standard library only, and never import heavy frameworks here
# (imports are tried in child processes by the `job` mode).
#
#   facts            versions that are really installed (CUDA, cuDNN, NCCL, dpkg, pip metadata)
#   job NAME...      as the job uid: import each top-level NAME in a child; getuser/HOME/TZ
import glob
import json
import os
import re
import subprocess
import sys
import time

LIB_DIRS = ["/usr/local/cuda/lib64", "/usr/local/cuda/lib", "/usr/lib/x86_64-linux-gnu",
            "/usr/lib64", "/usr/lib", "/usr/local/lib"]
INC_DIRS = ["/usr/include", "/usr/local/cuda/include", "/usr/include/x86_64-linux-gnu"]
USER_SITES = ["/root/.local/lib/python*/site-packages", "/home/*/.local/lib/python*/site-packages"]


def read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except (IOError, OSError):
        return None


def ld_dirs():
    return [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]


def lib_versions(stem):
    """(version, path) of lib<stem>.so.X.Y.Z files, in the loader's search order."""
    out, seen = [], set()
    for d in ld_dirs() + LIB_DIRS:
        for path in sorted(glob.glob(os.path.join(d, "lib%s.so.*" % stem))):
            m = re.search(r"\.so\.(\d+(?:\.\d+)+)$", path)
            real = os.path.realpath(path)
            if m and real not in seen:
                seen.add(real)
                out.append({"version": m.group(1), "source": path})
    return out


def header_version(names, keys):
    out = []
    dirs = INC_DIRS + [os.path.join(os.path.dirname(d.rstrip("/")), "include") for d in ld_dirs()]
    for d in dirs:
        for name in names:
            text = read(os.path.join(d, name))
            if not text:
                continue
            parts = []
            for key in keys:
                m = re.search(r"#define\s+%s\s+(\d+)" % key, text)
                if not m:
                    break
                parts.append(m.group(1))
            if len(parts) == len(keys):
                out.append({"version": ".".join(parts), "source": os.path.join(d, name)})
    return out


def cuda_versions():
    out = []
    for path in ["/usr/local/cuda/version.json"] + sorted(glob.glob("/usr/local/cuda-*/version.json")):
        text = read(path)
        if text:
            try:
                out.append({"version": json.loads(text)["cuda"]["version"], "source": path})
            except (ValueError, KeyError, TypeError):
                pass
    for path in ["/usr/local/cuda/version.txt"] + sorted(glob.glob("/usr/local/cuda-*/version.txt")):
        m = re.search(r"CUDA Version\s+([\d.]+)", read(path) or "")
        if m:
            out.append({"version": m.group(1), "source": path})
    return out


def dpkg_packages():
    out = {}
    text = read("/var/lib/dpkg/status") or ""
    for stanza in text.split("\n\n"):
        fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", stanza, re.M))
        if "Package" in fields and "installed" in fields.get("Status", "").split():
            out[fields["Package"]] = fields.get("Version", "")
    return out


def _top_levels(dist_dir, files):
    text = read(os.path.join(dist_dir, "top_level.txt"))
    if text:
        return sorted(set(t.strip().replace("/", ".").split(".")[0] for t in text.split() if t.strip()))
    names = set()
    for entry in files:
        first = entry.split("/")[0]
        if entry.startswith("..") or first.endswith((".dist-info", ".egg-info", ".data")) \
                or first == "__pycache__":
            continue
        if entry.endswith(".py") or ".so" in entry:
            names.add(re.sub(r"(\.cpython.*)?\.(py|so)$", "", first))
    return sorted(n for n in names if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", n))


def present(base, name):
    """Is module `name` on disk in `base`? (Debian's setuptools lists a `debian` it lacks.)"""
    return os.path.isdir(os.path.join(base, name)) or bool(
        glob.glob(os.path.join(base, name + ".py")) + glob.glob(os.path.join(base, name + ".*.so"))
        + glob.glob(os.path.join(base, name + ".so")))


def distributions():
    """pip's view: every *.dist-info / *.egg-info on sys.path and in user sites."""
    paths = list(sys.path)
    for pattern in USER_SITES:
        paths += sorted(glob.glob(pattern))
    out, seen = [], set()
    for base in paths:
        if not base or not os.path.isdir(base):
            continue
        for meta in sorted(glob.glob(os.path.join(base, "*.dist-info")) + glob.glob(os.path.join(base, "*.egg-info"))):
            text = read(os.path.join(meta, "METADATA")) or read(os.path.join(meta, "PKG-INFO")) or ""
            name = re.search(r"^Name: (.*)$", text, re.M)
            version = re.search(r"^Version: (.*)$", text, re.M)
            if not name:
                continue
            key = re.sub(r"[-_.]+", "-", name.group(1).strip()).lower()
            if key in seen:  # the first one on the path wins, as for pip
                continue
            seen.add(key)
            record = read(os.path.join(meta, "RECORD")) or read(os.path.join(meta, "installed-files.txt")) or ""
            files = [line.split(",")[0] for line in record.splitlines() if line.strip()]
            out.append({"name": name.group(1).strip(), "version": version.group(1).strip() if version else "",
                        "location": os.path.realpath(base),
                        "top_level": [t for t in _top_levels(meta, files) if present(base, t)]})
    return out


def facts():
    return {
        "python": {"executable": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3]},
        "cuda": cuda_versions(),
        "cudnn": lib_versions("cudnn") + header_version(["cudnn_version.h", "cudnn.h"],
                                                        ["CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"]),
        "nccl": lib_versions("nccl") + header_version(["nccl.h"], ["NCCL_MAJOR", "NCCL_MINOR", "NCCL_PATCH"]),
        "dpkg": dpkg_packages(),
        "distributions": distributions(),
    }


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
    mode = argv[0] if argv else "facts"
    if mode == "facts":
        result = facts()
    else:
        result = job(argv[2:], int(argv[1]))
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])

"""The in-image probe's output (see in_image.sh) -> `ImageFacts`. Pure: tested on saved text.

The probe only reads; every decision is made here, the same for compat and verify. CUDA,
cuDNN and NCCL libraries count in the dynamic loader's order: LD_LIBRARY_PATH, then the
ld.so.conf(.d) directories in file order, then the default directories; the CUDA toolkit's
lib64 comes last (not on the loader's path unless configured, but frameworks' RPATH use it).
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field

from imagesmith.compat.probe.facts import (
    Distribution,
    ImageFacts,
    LibraryDir,
    PythonFacts,
    ResolvedVersion,
    SharedObject,
    UserFacts,
    VersionSource,
)
from imagesmith.core.versions import canonical_name, release, upstream

CUDA_VERSION_TXT = re.compile(r"CUDA Version\s+(\d+\.\d+(?:\.\d+)?)")
DEFAULT_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib",
                "/lib64", "/usr/lib64")
CUDA_TOOLKIT_DIRS = ("/usr/local/cuda/lib64", "/usr/local/cuda/lib")
CUDA_LIB_NAME = re.compile(r"^lib(cu|nv|nccl)[^/]*\.so")
_DEFINE = re.compile(r"#define\s+(CUDNN|NCCL)_(MAJOR|MINOR|PATCHLEVEL|PATCH)\s+(\d+)")
# The engine sets HOSTNAME to each container's id: not a fact of the image.
PER_CONTAINER_ENV = ("HOSTNAME",)
LOADER_ORDER = "LD_LIBRARY_PATH, then ld.so.conf(.d) directories, then the default directories"


@dataclass
class _Section:
    kind: str
    arg: str
    lines: list[str] = field(default_factory=list)


@dataclass
class _LibEntry:
    name: str
    link: str
    size: int
    elf: bool


def sections(text: str) -> list[_Section]:
    out: list[_Section] = []
    # Not splitlines(): it also splits at RS/US, which encode the environment.
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("@@"):
            kind, _, arg = line[2:].partition(" ")
            out.append(_Section(kind, arg))
        elif out:
            out[-1].lines.append(line)
    return out


def _environ(line: str) -> dict[str, str]:
    env = {}
    for item in line.split("\x1e"):
        key, sep, value = item.partition("=")
        if sep and key and key not in PER_CONTAINER_ENV:
            env[key] = value.replace("\x1f", "\n")
    return env


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _user(sec: _Section) -> UserFacts:
    fields = dict(line.partition(" ")[::2] for line in sec.lines)
    configured = "" if sec.arg == "(none)" else sec.arg
    uid = _int(fields.get("uid", ""))
    if uid is None and configured.isdigit():  # a numeric USER without a passwd entry
        uid = int(configured)
    return UserFacts(configured, uid, _int(fields.get("gid", "")), fields.get("name", "").strip() or None)


def _dpkg(lines: list[str]) -> dict[str, str]:
    """Packages whose Status says installed (`install ok installed`, `hold ok installed`);
    `deinstall ok config-files` and half-installed ones are not on disk as packages."""
    out: dict[str, str] = {}
    stanzas: list[dict[str, str]] = []
    for line in lines:
        key, _, value = line.partition(": ")
        if key == "Package":
            stanzas.append({})
        if stanzas:
            stanzas[-1][key] = value.strip()
    for st in stanzas:
        status = st.get("Status", "").split()
        if len(status) == 3 and status[1] == "ok" and status[2] == "installed" and "Package" in st:
            out[st["Package"]] = st.get("Version", "")
    return out


def _header_version(lines: list[str], stem: str) -> str | None:
    parts = {key: num for lib, key, num in _DEFINE.findall("\n".join(lines)) if lib == stem}
    keys = ("MAJOR", "MINOR", "PATCHLEVEL") if stem == "CUDNN" else ("MAJOR", "MINOR", "PATCH")
    if keys[0] not in parts:
        return None
    return ".".join(parts[k] for k in keys if k in parts)


def _cuda_file(path: str, lines: list[str]) -> str | None:
    body = "\n".join(lines)
    if path.endswith(".json"):
        try:
            found = json.loads(body).get("cuda", {}).get("version")
        except (ValueError, AttributeError):
            return None
        return found if isinstance(found, str) else None
    m = CUDA_VERSION_TXT.search(body)
    return m.group(1) if m else None


def _search_order(env: dict[str, str], ldconf: list[tuple[str, str]],
                  listed: dict[str, tuple[str, list[_LibEntry]]]) -> list[LibraryDir]:
    wanted = [(d, "LD_LIBRARY_PATH") for d in env.get("LD_LIBRARY_PATH", "").split(":") if d]
    for conf, line in ldconf:
        wanted += [(d, conf) for d in re.split(r"[\s:,=]+", line) if d.startswith("/")]
    wanted += [(d, "default") for d in DEFAULT_DIRS]
    wanted += [(d, "CUDA toolkit directory") for d in CUDA_TOOLKIT_DIRS]
    out, seen = [], set()
    for path, origin in wanted:
        path = posixpath.normpath(path)
        if path not in listed:  # missing in the image
            continue
        real = listed[path][0] or path
        if real in seen:
            continue
        seen.add(real)
        out.append(LibraryDir(path, real, origin))
    return out


def _version_key(version: str) -> tuple[int, tuple[int, ...]]:
    nums = tuple(int(p) for p in version.split("."))
    return (len(nums), nums)


def _library_candidates(stem: str, dirs: list[LibraryDir],
                        listed: dict[str, tuple[str, list[_LibEntry]]]) -> list[tuple[VersionSource, LibraryDir]]:
    pattern = re.compile(rf"^lib{stem}\.so\.(\d+(?:\.\d+)*)$")
    out = []
    for d in dirs:
        entries = listed[d.path][1]
        names = {e.name for e in entries}
        # A link to a file listed beside it (libcudnn.so.8 -> libcudnn.so.8.9.4) is that file.
        here = [(m.group(1), e) for e in entries
                if (m := pattern.match(e.name)) and posixpath.basename(e.link) not in names]
        for version, entry in sorted(here, key=lambda h: _version_key(h[0]), reverse=True):
            out.append((VersionSource(version, f"{d.path}/{entry.name}", "library"), d))
    return out


def _resolve(what: str, libs: list[tuple[VersionSource, LibraryDir]], headers: list[VersionSource],
             dpkg: list[VersionSource], looked: str, *, files: list[VersionSource] | None = None,
             files_first: bool = False) -> ResolvedVersion:
    files = files or []
    lib_sources = [s for s, _ in libs]
    if files_first:
        candidates = tuple(files + lib_sources + headers + dpkg)
    else:
        candidates = tuple(lib_sources + headers + files + dpkg)
    if files_first and files:
        win = files[0]
        return ResolvedVersion(win.version, win.source, f"{win.source} is the toolkit's own version file",
                               candidates)
    if libs:
        win, d = libs[0]
        why = (f"{posixpath.basename(win.source)} in {d.path} ({d.origin}) is the first {what} library "
               f"in the loader's search order ({LOADER_ORDER})")
        version = win.version
        fuller = next((h for h in headers if len(h.version) > len(version)
                       and h.version.startswith(version + ".")), None)
        if fuller is not None:  # libcudnn.so.8 alone names only the major version
            version = fuller.version
            why += f"; its name gives only {win.version}, {fuller.source} the rest"
        return ResolvedVersion(version, win.source, why, candidates)
    if headers:
        win = headers[0]
        return ResolvedVersion(win.version, win.source,
                               f"no {what} library on the loader's search path; the header {win.source}",
                               candidates)
    if dpkg:
        win = dpkg[0]
        return ResolvedVersion(win.version, win.source,
                               f"no {what} library or header found; the package database ({win.source})",
                               candidates)
    return ResolvedVersion(None, "", f"none found: looked at {looked}", candidates)


def _dpkg_sources(dpkg: dict[str, str], pattern: str) -> list[VersionSource]:
    out = []
    for pkg in sorted(dpkg):
        ver = upstream(dpkg[pkg]) if re.match(pattern, pkg) else None
        if ver and release(ver) is not None:
            out.append(VersionSource(ver, f"dpkg {pkg}", "dpkg"))
    return out


def parse_probe_output(text: str) -> ImageFacts:
    env: dict[str, str] = {}
    user: UserFacts | None = None
    ldconf: list[tuple[str, str]] = []
    listed: dict[str, tuple[str, list[_LibEntry]]] = {}
    cuda_files: list[VersionSource] = []
    headers: dict[str, list[VersionSource]] = {"CUDNN": [], "NCCL": []}
    compat_dirs: list[str] = []
    dpkg: dict[str, str] = {}
    python: dict[str, str] = {}
    sys_path: list[str] = []
    dists: list[Distribution] = []
    site_objects: list[SharedObject] = []
    torch_cuda: str | None = None
    unknown: dict[str, str] = {}
    errors: list[str] = []
    seen_headers: set[str] = set()
    for sec in sections(text):
        if sec.kind == "environ":
            env = _environ(sec.lines[0] if sec.lines else "")
        elif sec.kind == "user":
            user = _user(sec)
        elif sec.kind == "ldconf":
            ldconf += [(sec.arg, line) for line in sec.lines]
        elif sec.kind == "libdir":
            path, _, real = sec.arg.partition("\t")
            entries = []
            for line in sec.lines:
                name, link, size, elf = (line.split("\t") + ["", "", ""])[:4]
                entries.append(_LibEntry(name, link, _int(size) or 0, elf == "1"))
            listed[posixpath.normpath(path)] = (real, entries)
        elif sec.kind == "cuda":
            version = _cuda_file(sec.arg, sec.lines)
            if version:
                cuda_files.append(VersionSource(version, sec.arg, "version file"))
        elif sec.kind == "header":
            path = posixpath.normpath(sec.arg)
            if path in seen_headers:
                continue
            seen_headers.add(path)
            for stem in headers:
                version = _header_version(sec.lines, stem)
                if version:
                    headers[stem].append(VersionSource(version, path, "header"))
        elif sec.kind == "compatdir":
            compat_dirs.append(sec.arg)
        elif sec.kind == "dpkg":
            dpkg = _dpkg(sec.lines)
        elif sec.kind == "pythoncmd":
            python["command"] = sec.arg
        elif sec.kind == "python":
            python["executable"] = sec.arg
            python["version"] = next((ln.split(" ", 1)[1] for ln in sec.lines
                                      if ln.startswith("version ")), "")
        elif sec.kind == "path":
            sys_path.append(sec.arg)
        elif sec.kind == "dist":
            fields = dict(ln.split(": ", 1) for ln in sec.lines if ": " in ln)
            location = next((ln[9:] for ln in sec.lines if ln.startswith("location ")), "")
            if fields.get("Name"):
                dists.append(Distribution(fields["Name"], fields.get("Version", ""), location, sec.arg,
                                          tuple(ln[4:] for ln in sec.lines if ln.startswith("top "))))
        elif sec.kind == "torchver":
            m = re.search(r"^cuda\s*=\s*['\"]?([\d.]+|None)", "\n".join(sec.lines), re.M)
            if m and m.group(1) != "None":
                torch_cuda = m.group(1)
        elif sec.kind == "sitelibs":
            for line in sec.lines:
                path, size, elf = (line.split("\t") + ["", ""])[:3]
                if elf == "1" and all(o.path != path for o in site_objects):
                    site_objects.append(SharedObject(path, _int(size) or 0, "site-packages"))
        elif sec.kind == "unknown":
            unknown[sec.arg] = " ".join(sec.lines).strip() or "not readable"
        elif sec.kind == "error":
            errors.append(f"{sec.arg}: {' '.join(sec.lines).strip()}")
    if not any(s.kind == "probe" for s in sections(text)):
        errors.append("the probe printed nothing it could be read from")
    if "python" in unknown:
        unknown.setdefault("pip", f"no Python to ask: {unknown['python']}")
    dirs = _search_order(env, ldconf, listed)
    looked = (f"{len(dirs)} library directories, "
              f"{len(seen_headers)} header(s), "
              + ("the dpkg database" if "dpkg" not in unknown else "no dpkg database"))
    if "libraries" in unknown:
        looked += f" (libraries unknown: {unknown['libraries']})"
    cuda = _resolve("CUDA runtime", _library_candidates("cudart", dirs, listed), [],
                    _dpkg_sources(dpkg, r"^cuda-cudart-\d+-\d+$"), looked,
                    files=cuda_files, files_first=True)
    cudnn = _resolve("cuDNN", _library_candidates("cudnn", dirs, listed), headers["CUDNN"],
                     _dpkg_sources(dpkg, r"^libcudnn\d*$"), looked)
    nccl = _resolve("NCCL", _library_candidates("nccl", dirs, listed), headers["NCCL"],
                    _dpkg_sources(dpkg, r"^libnccl\d*$"), looked)
    objects = [SharedObject(f"{d.path}/{e.name}", e.size, d.origin)
               for d in dirs for e in listed[d.path][1]
               if e.elf and not e.link and CUDA_LIB_NAME.match(e.name)]
    first: dict[str, Distribution] = {}
    for dist in dists:  # the first on sys.path wins, as for pip
        first.setdefault(canonical_name(dist.name), dist)
    py = None
    if "executable" in python:
        py = PythonFacts(python["executable"], python["version"], python.get("command", ""),
                         tuple(sys_path))
    elif "python" not in unknown:
        unknown["python"] = "the Python part of the probe printed nothing"
        unknown.setdefault("pip", unknown["python"])
    return ImageFacts(
        python=py, distributions=tuple(first.values()), dpkg=dpkg, cuda=cuda, cudnn=cudnn,
        nccl=nccl, library_dirs=tuple(dirs), shared_objects=tuple(objects + site_objects), env=env,
        user=user, cuda_compat_dirs=tuple(compat_dirs), torch_cuda=torch_cuda, unknown=unknown,
        errors=tuple(errors),
    )

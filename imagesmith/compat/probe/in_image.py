# Runs INSIDE the image as `python -c <this text>`, started by in_image.sh; prints sections in
# its format ("@@kind argument", then lines). It must run under any Python the image has, 2.7
# and 3.x, so: the common subset of both (no f-strings, no annotations, no pathlib), standard
# library only, and never imports an installed package (what pip sees is read from metadata).
import glob
import io
import os
import re
import sys

# `pip install --user` as root or as another user lands here; pip of that user sees it.
USER_SITES = ["/root/.local/lib/python*/site-packages", "/home/*/.local/lib/python*/site-packages"]


def text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def emit(line):
    stream = getattr(sys.stdout, "buffer", sys.stdout)
    stream.write((text(line) + u"\n").encode("utf-8", "replace"))


def read(path, limit=1 << 20):
    try:
        with io.open(path, "rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except (IOError, OSError):
        return None


def top_levels(meta, files):
    listed = read(os.path.join(meta, "top_level.txt"))
    if listed:
        return sorted(set(t.strip().replace("/", ".").split(".")[0] for t in listed.split() if t.strip()))
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


def header_field(metadata, key):
    # Only the header block (up to the first empty line) holds the fields.
    m = re.search(r"^%s: *(.*?)\s*$" % key, metadata.split("\n\n")[0], re.M)
    return m.group(1) if m else None


def distributions(paths):
    for base in paths:
        for meta in sorted(glob.glob(os.path.join(base, "*.dist-info"))
                           + glob.glob(os.path.join(base, "*.egg-info"))):
            if os.path.isdir(meta):
                metadata = read(os.path.join(meta, "METADATA")) or read(os.path.join(meta, "PKG-INFO"))
            else:  # an egg-info file (distutils) is the PKG-INFO itself
                metadata = read(meta)
            if not metadata:
                continue
            record = read(os.path.join(meta, "RECORD")) or read(os.path.join(meta, "installed-files.txt")) or ""
            files = [line.split(",")[0] for line in record.splitlines() if line.strip()]
            emit("@@dist " + meta)
            emit("location " + os.path.realpath(base))
            for key in ("Name", "Version"):
                value = header_field(metadata, key)
                if value is not None:
                    emit("%s: %s" % (key, value))
            for top in top_levels(meta, files) if os.path.isdir(meta) else []:
                if present(base, top):
                    emit("top " + top)


def main():
    emit("@@python " + text(sys.executable or ""))
    emit("version %d.%d.%d" % tuple(sys.version_info[:3]))
    paths, seen = [], set()
    for entry in list(sys.path) + sorted(sum([glob.glob(p) for p in USER_SITES], [])):
        if entry and os.path.isdir(entry) and os.path.realpath(entry) not in seen:
            seen.add(os.path.realpath(entry))
            paths.append(entry)
    for entry in paths:
        emit("@@path " + text(entry))
        if os.path.basename(entry.rstrip("/")) in ("site-packages", "dist-packages"):
            emit("@@site " + text(entry))
    distributions(paths)
    for entry in paths:
        version_py = os.path.join(entry, "torch", "version.py")
        body = read(version_py)
        if body is not None:
            emit("@@torchver " + text(version_py))
            for line in body.splitlines():
                if re.match(r"^(__version__|cuda|git_version)\s*=", line):
                    emit(line)


try:
    main()
except Exception as exc:  # a broken site directory must not hide the other facts
    emit("@@error python")
    emit("%s: %s" % (type(exc).__name__, exc))

"""The device code CUDA ELF files really carry (`.nv_fatbin`), their versions, and where it runs.

A CUDA shared library (libcublas.so.12, an extension module `*.so` in site-packages) embeds
its GPU code in the `.nv_fatbin` section (`__nv_relfatbin` in relocatable objects) as a run
of fat-binary containers:

    container: u32 magic 0xBA55ED50, u16 version (1), u16 header size, u64 fat size
               followed by `fat size` bytes of entries
    entry:     u16 kind (1 = PTX, 2 = ELF cubin/SASS, 4 = old cubin), u16 -, u32 header size,
               u64 payload size, ..., u32 arch at offset 28 (SM number: 61, 90, 121),
               then the (often LZ4/zstd-compressed) payload; the next entry starts at
               entry + header size + payload size

Layout as read by open-source readers (n-eiling/cuda-fatbin-decompression `fat_text_header`,
GrigoryEvko/nvopen-tools fatbin/FORMAT_SPECIFICATION.md) and checked here on NVIDIA's own
PyPI wheels (tests/compat/test_fatbin.py). Only headers are read: payloads are never
decompressed, and every offset is checked against the section bounds first.

Architecture-specific code (`sm_90a`: that exact GPU only) is marked by entry flag bit
0x100000 (`_FLAG_ARCH_SPECIFIC`): on cublasLt 12.6.4.1 the 1394 sm_90 entries with that bit
are exactly the 1394 `sm_90a` ones `cuobjdump --list-elf` lists. For Blackwell the marking is
not established (cublasLt 12.9.1.4 sets 0x200000 on 1133 sm_120 entries that cuobjdump 13.5
lists as plain sm_120), so from sm_100 on a verdict that would depend on the variant is
`unknown` (see `runs_on`).
"""

from __future__ import annotations

import mmap
import os
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from imagesmith.core.errors import UserInputError

FATBIN_MAGIC = 0xBA55ED50
FATBIN_SECTIONS = (".nv_fatbin", "__nv_relfatbin")
WRAPPER_SECTION = ".nvFatBinSegment"  # __fatBinC_Wrapper_t records pointing at the containers
ELF_MAGIC = b"\x7fELF"

_CONTAINER = struct.Struct("<IHHQ")  # magic, version, header size, fat size
_ENTRY = struct.Struct("<HHIQ")  # kind, -, header size, payload size
_ARCH_AT = 28
_FLAGS_AT = 40
_ENTRY_MIN = _FLAGS_AT + 8
_KIND_PTX, _KIND_ELF, _KIND_OLD_CUBIN = 1, 2, 4
_FLAG_ARCH_SPECIFIC = 0x100000
_MAGIC_BYTES = struct.pack("<I", FATBIN_MAGIC)

Verdict = Literal["runs", "fails", "unknown"]

SASS_SOURCE = (
    "NVIDIA CUDA C++ Programming Guide, 'Binary Compatibility': a cubin for compute capability "
    "X.y runs only on devices of compute capability X.z with z >= y"
)
PTX_SOURCE = (
    "NVIDIA CUDA C++ Programming Guide, 'Application Compatibility': PTX for compute_XY is "
    "JIT-compiled by the driver for devices of compute capability >= X.Y"
)
MVC_SOURCE = (
    "NVIDIA CUDA Compatibility guide, 'Minor Version Compatibility': PTX JIT is not supported "
    "when a newer CUDA minor release runs on an older driver of the same major"
)


class _Corrupt(Exception):
    """A fatbin or ELF structure that does not fit its bounds (becomes `BinaryCode.error`)."""


@dataclass(frozen=True)
class BinaryCode:
    """What one ELF file carries. `error` set: the device code is unknown, not absent."""

    path: str
    sass: frozenset[str] = frozenset()  # "sm_61", "sm_90"
    ptx: frozenset[str] = frozenset()  # "compute_90"
    soname: str | None = None
    version: str | None = None  # the library's own version ("11.8.89", "9.1.0", "12")
    version_source: str | None = None  # "file name", "SONAME (major only)", "header PATH"
    error: str | None = None
    containers: int = 0  # fat-binary containers read

    @property
    def has_device_code(self) -> bool:
        return bool(self.sass or self.ptx)


@dataclass(frozen=True)
class RunVerdict:
    verdict: Verdict
    reason: str
    via: str | None = None  # the entry that serves the GPU ("sm_60", "compute_52")
    source: str = ""  # the NVIDIA rule the verdict rests on


@dataclass(frozen=True)
class ImageCode:
    """Every ELF file found under one image's file tree (or one site-packages folder)."""

    root: str
    binaries: tuple[BinaryCode, ...]
    skipped: int = 0  # candidate files that were not ELF (checked by their first 4 bytes)
    bytes_scanned: int = 0  # total size of the ELF files read

    @property
    def with_device_code(self) -> tuple[BinaryCode, ...]:
        return tuple(b for b in self.binaries if b.has_device_code)

    @property
    def errors(self) -> tuple[BinaryCode, ...]:
        return tuple(b for b in self.binaries if b.error)

    @property
    def sass(self) -> frozenset[str]:
        return frozenset().union(*(b.sass for b in self.binaries))

    @property
    def ptx(self) -> frozenset[str]:
        return frozenset().union(*(b.ptx for b in self.binaries))

    def library(self, name: str) -> BinaryCode | None:
        """The file of library `name` ("cudart", "cudnn", "cublas"), by its SONAME or file name."""
        for b in sorted(self.binaries, key=lambda b: b.path):
            if library_name(b.soname or Path(b.path).name) == name:
                return b
        return None

    def runs_on(self, cc: str, *, minor_version_compat: bool) -> RunVerdict:
        """`fails` if any binary's code fails on the GPU, `unknown` if any cannot be decided
        (unreadable, ambiguous), `runs` when every binary with device code has code for it."""
        if not self.binaries:
            return RunVerdict("unknown", f"no ELF files found under {self.root}")
        verdicts = [(b, runs_on(b, cc, minor_version_compat=minor_version_compat))
                    for b in self.binaries]
        order: tuple[Verdict, ...] = ("fails", "unknown")
        for wanted in order:
            hit = [(b, v) for b, v in verdicts if v.verdict == wanted]
            if hit:
                names = "; ".join(f"{Path(b.path).name}: {v.reason}" for b, v in hit[:3])
                more = f" (and {len(hit) - 3} more)" if len(hit) > 3 else ""
                return RunVerdict(wanted, names + more, source=hit[0][1].source)
        served = len(self.with_device_code)
        return RunVerdict(
            "runs", f"all {served} files with device code have code for sm_{_cc_digits(cc)}",
            source=SASS_SOURCE,
        )


# -- reading ----------------------------------------------------------------------------


def is_elf(path: Path) -> bool:
    """The 4-byte magic, before any ELF parser sees the file."""
    try:
        with path.open("rb") as fh:
            return fh.read(4) == ELF_MAGIC
    except OSError:
        return False


def read_binary(path: Path, *, header_dirs: Iterable[Path] = ()) -> BinaryCode:
    """Device code, SONAME and version of one ELF file. Never raises for a bad file: a file
    that is not ELF, truncated or corrupt comes back with `error` set.

    `header_dirs`: extra folders to look for cuDNN's version header in (besides
    `<lib>/../include`, where NVIDIA's wheels put it).
    """
    from elftools.common.exceptions import ELFError, ELFParseError

    name = str(path)
    if not is_elf(path):
        return BinaryCode(name, error="not an ELF file")
    try:
        sass, ptx, containers, soname = _read_elf(path)
    except (_Corrupt, ELFError, ELFParseError, struct.error, ValueError, OSError) as exc:
        return BinaryCode(name, error=f"unreadable ELF: {exc}")
    version, source = library_version(path, soname, header_dirs=header_dirs)
    return BinaryCode(name, frozenset(sass), frozenset(ptx), soname, version, source,
                      containers=containers)


def scan_tree(root: Path, *, header_dirs: Iterable[Path] = ()) -> ImageCode:
    """Every regular `*.so` / `*.so.N...` file under `root` (symbolic links are not followed:
    in an unpacked image an absolute link points at this machine's files)."""
    root = Path(root)
    if not root.is_dir():
        raise UserInputError("not a folder to scan for CUDA binaries", where=root)
    dirs = [*header_dirs, *(root / d for d in _SYSTEM_HEADER_DIRS)]
    binaries: list[BinaryCode] = []
    skipped = size = 0
    for path in _shared_objects(root):
        if not is_elf(path):
            skipped += 1
            continue
        size += path.stat().st_size
        binaries.append(read_binary(path, header_dirs=dirs))
    return ImageCode(str(root), tuple(binaries), skipped, size)


_SO_NAME = re.compile(r"\.so(?:\.\d+)*$")
_SYSTEM_HEADER_DIRS = ("usr/include", "usr/include/x86_64-linux-gnu", "usr/local/cuda/include")


def _shared_objects(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for fname in sorted(filenames):
            if _SO_NAME.search(fname):
                path = Path(dirpath, fname)
                if not path.is_symlink() and path.is_file():
                    yield path


def _read_elf(path: Path) -> tuple[set[str], set[str], int, str | None]:
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    sass: set[str] = set()
    ptx: set[str] = set()
    containers = 0
    soname: str | None = None
    with path.open("rb") as fh:
        file_size = os.fstat(fh.fileno()).st_size
        elf = ELFFile(fh)
        regions: list[tuple[str, int, int]] = []
        has_wrappers = False
        for section in elf.iter_sections():
            if section.name in FATBIN_SECTIONS and section["sh_type"] != "SHT_NOBITS":
                start, size = section["sh_offset"], section["sh_size"]
                if start + size > file_size:
                    raise _Corrupt(f"section {section.name} runs past the end of the file "
                                   f"({start + size} > {file_size} bytes): truncated")
                regions.append((section.name, start, size))
            elif section.name == WRAPPER_SECTION:
                has_wrappers = section["sh_size"] > 0
            elif isinstance(section, DynamicSection) and soname is None:
                for tag in section.iter_tags("DT_SONAME"):
                    soname = tag.soname
        if has_wrappers and not regions:
            raise _Corrupt(f"{WRAPPER_SECTION} is present but no {'/'.join(FATBIN_SECTIONS)} "
                           "section: its device code is not located")
        if regions:
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                for name, start, size in regions:
                    containers += _read_containers(mm, name, start, start + size, sass, ptx)
    return sass, ptx, containers, soname


def _read_containers(mm: mmap.mmap, section: str, start: int, end: int,
                     sass: set[str], ptx: set[str]) -> int:
    """Walk the containers of one section [start, end); returns how many were read."""
    count = 0
    pos = start
    while pos + _CONTAINER.size <= end:
        magic, version, header_size, fat_size = _CONTAINER.unpack_from(mm, pos)
        if magic != FATBIN_MAGIC:
            # Containers are normally back to back; the linker may pad between them.
            nxt = mm.find(_MAGIC_BYTES, pos + 1, end)
            if nxt < 0:
                break
            pos = nxt
            continue
        if version != 1:
            raise _Corrupt(f"{section}: fatbin container at {pos} has version {version}, "
                           "not the version 1 this reader knows")
        body, stop = pos + header_size, pos + header_size + fat_size
        if header_size < _CONTAINER.size or stop > end:
            raise _Corrupt(f"{section}: fatbin container at {pos} ({fat_size} bytes) runs past "
                           f"the section end: truncated or corrupt")
        _read_entries(mm, section, body, stop, sass, ptx)
        count += 1
        pos = stop
    if count == 0:
        raise _Corrupt(f"{section}: no fatbin container (magic {FATBIN_MAGIC:#x}) in "
                       f"{end - start} bytes")
    return count


def _read_entries(mm: mmap.mmap, section: str, pos: int, stop: int,
                  sass: set[str], ptx: set[str]) -> None:
    while pos + _ENTRY_MIN <= stop:
        kind, _, header_size, payload = _ENTRY.unpack_from(mm, pos)
        (arch,) = struct.unpack_from("<I", mm, pos + _ARCH_AT)
        (flags,) = struct.unpack_from("<Q", mm, pos + _FLAGS_AT)
        if header_size < _ENTRY_MIN or pos + header_size + payload > stop:
            raise _Corrupt(f"{section}: fatbin entry at {pos} runs past its container")
        if not 10 <= arch < 1000:
            raise _Corrupt(f"{section}: fatbin entry at {pos} names arch {arch}")
        suffix = "a" if flags & _FLAG_ARCH_SPECIFIC else ""
        if kind == _KIND_PTX:
            ptx.add(f"compute_{arch}{suffix}")
        elif kind in (_KIND_ELF, _KIND_OLD_CUBIN):
            sass.add(f"sm_{arch}{suffix}")
        else:
            raise _Corrupt(f"{section}: fatbin entry at {pos} has unknown kind {kind}")
        pos += header_size + payload


# -- versions ---------------------------------------------------------------------------

_LIB_FILE = re.compile(r"^lib(?P<name>[A-Za-z0-9_+-]+?)\.so(?:\.(?P<version>\d+(?:\.\d+)*))?$")
_CUDNN_DEFINE = re.compile(rb"^#define\s+CUDNN_(MAJOR|MINOR|PATCHLEVEL)\s+(\d+)\s*$", re.M)
_HEADER_LIMIT = 256 * 1024  # cudnn_version.h is 3 KiB; cudnn.h of cuDNN 7 about 100 KiB


def library_name(file_name: str) -> str | None:
    """`libcudnn_ops.so.9` -> `cudnn_ops`; `libcublasLt.so.12` -> `cublasLt`."""
    m = _LIB_FILE.match(file_name)
    return m.group("name") if m else None


def library_version(path: Path, soname: str | None, *,
                    header_dirs: Iterable[Path] = ()) -> tuple[str | None, str | None]:
    """The library's version and where it was read, best source first:
    cuDNN's `CUDNN_MAJOR/MINOR/PATCHLEVEL` from cudnn_version*.h (or cudnn.h before 8.0) when
    its major agrees with the SONAME; the file name when it says more than the SONAME
    (`libcudart.so.11.8.89`); the SONAME's major (`libcudart.so.12` -> `12`,
    `libcudart.so.11.0` -> `11`: that `.0` is not the minor release)."""
    file_match = _LIB_FILE.match(path.name)
    so_match = _LIB_FILE.match(soname) if soname else None
    so_major = (so_match.group("version") or "").split(".")[0] if so_match else ""
    name = (so_match or file_match).group("name") if (so_match or file_match) else ""
    if name.startswith("cudnn"):
        found = cudnn_header_version([path.parent.parent / "include", *header_dirs])
        if found and (not so_major or found[0].split(".")[0] == so_major):
            return found
    file_version = file_match.group("version") if file_match else None
    says_more = path.name != soname and file_version and "." in file_version
    if says_more and (not so_major or file_version.split(".")[0] == so_major):  # type: ignore[union-attr]
        return file_version, "file name"
    if so_major:
        return so_major, "SONAME (major only)"
    if file_version:
        return file_version.split(".")[0], "file name (major only)"
    return None, None


def cudnn_header_version(dirs: Iterable[Path]) -> tuple[str, str] | None:
    """`9.1.0` and the header it came from, from the first folder holding one."""
    for folder in dirs:
        if not folder.is_dir():
            continue
        candidates = sorted(folder.glob("cudnn_version*.h")) + [folder / "cudnn.h"]
        for header in candidates:
            if header.is_symlink() or not header.is_file():
                continue
            with header.open("rb") as fh:
                defines = dict(_CUDNN_DEFINE.findall(fh.read(_HEADER_LIMIT)))
            if b"MAJOR" in defines and b"MINOR" in defines:
                parts = [defines[b"MAJOR"], defines[b"MINOR"], defines.get(b"PATCHLEVEL", b"0")]
                return ".".join(p.decode() for p in parts), f"header {header}"
    return None


# -- decisions --------------------------------------------------------------------------


def _parse_cc(cc: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)\.(\d)", cc.strip())
    if not m:
        raise UserInputError(f"compute capability {cc!r} is not MAJOR.MINOR (e.g. 6.1)")
    return int(m.group(1)), int(m.group(2))


def _cc_digits(cc: str) -> str:
    major, minor = _parse_cc(cc)
    return f"{major}{minor}"


_CODE = re.compile(r"^(?:sm|compute)_(\d+)(\d)(a?)$")


def _arch(code: str) -> tuple[int, int]:
    """`sm_61` -> (6, 1); `compute_121` -> (12, 1); `sm_90a` -> (9, 0): the last digit is the
    minor."""
    m = _CODE.match(code)
    if not m:
        raise UserInputError(f"{code!r} is not an sm_XY / compute_XY device-code name")
    return int(m.group(1)), int(m.group(2))


def _specific(code: str) -> bool:
    return code.endswith("a")


def sass_runs(code: str, cc: str) -> bool:
    """SASS `sm_Xy` runs on a GPU X.z with z >= y, never on another major; `sm_Xya` only on
    X.y itself. Source: NVIDIA CUDA C++ Programming Guide, "Binary Compatibility" (and
    "Feature Availability" for architecture-specific features)."""
    (major, minor), (gmajor, gminor) = _arch(code), _parse_cc(cc)
    if _specific(code):
        return (major, minor) == (gmajor, gminor)
    return major == gmajor and minor <= gminor


def ptx_jits(code: str, cc: str) -> bool:
    """PTX `compute_XY` is JIT-compiled for any GPU with compute capability >= X.Y (forward
    only); `compute_XYa` only for X.Y. Source: NVIDIA CUDA C++ Programming Guide,
    "Application Compatibility"."""
    if _specific(code):
        return _arch(code) == _parse_cc(cc)
    return _arch(code) <= _parse_cc(cc)


def _variant_matters(code: str, cc: str) -> bool:
    """From sm_100 on a build may also be family-specific or architecture-specific in a way
    this reader has not been checked against, so only an exact match is certain there."""
    return _arch(code) >= (10, 0) and _arch(code) != _parse_cc(cc)


def runs_on(code: BinaryCode, cc: str, *, minor_version_compat: bool) -> RunVerdict:
    """Whether the device code of one file runs on a GPU of compute capability `cc`.

    - SASS `sm_Xy` runs on X.z, z >= y (CUDA C++ Programming Guide, "Binary Compatibility").
    - PTX `compute_XY` JIT-compiles for cc >= X.Y, forward only (Programming Guide,
      "Application Compatibility").
    - No PTX JIT under minor-version compatibility, i.e. when the image's CUDA runtime is
      newer than the driver within the same major (CUDA Compatibility guide, "Minor Version
      Compatibility"): then only SASS counts.
    - `sm_XYa` / `compute_XYa` (architecture-specific) serve only X.Y itself.
    - `unknown` when the file could not be read, or when only an sm_100+ entry of another
      GPU could serve (a family- or architecture-specific Blackwell build is not told apart).
    """
    gpu = f"sm_{_cc_digits(cc)}"
    if code.error:
        return RunVerdict("unknown", f"device code not readable: {code.error}")
    if not code.has_device_code:
        return RunVerdict("runs", "carries no device code (host code only)")
    sass = sorted(code.sass, key=_arch, reverse=True)
    ptx = sorted(code.ptx, key=_arch, reverse=True)
    fitting = [c for c in sass if sass_runs(c, cc)]
    certain = [c for c in fitting if not _variant_matters(c, cc)]
    if certain:
        return RunVerdict("runs", f"SASS {certain[0]} runs on {gpu}", certain[0], SASS_SOURCE)
    jittable = [c for c in ptx if ptx_jits(c, cc)]
    jit_certain = [c for c in jittable if not _variant_matters(c, cc)]
    listed = ", ".join(sorted(code.sass, key=_arch) + sorted(code.ptx, key=_arch))
    if jittable and minor_version_compat:
        if fitting:
            return RunVerdict(
                "unknown",
                f"only {fitting[0]} could serve {gpu} (its build variant is not read from "
                "sm_100 on), and there is no PTX JIT under minor-version compatibility",
                source=MVC_SOURCE,
            )
        return RunVerdict(
            "fails",
            f"only PTX ({', '.join(jittable)}) could serve {gpu}, and there is no PTX JIT "
            f"under minor-version compatibility (carries {listed})", source=MVC_SOURCE,
        )
    if jit_certain:
        return RunVerdict("runs", f"PTX {jit_certain[0]} is JIT-compiled for {gpu}",
                          jit_certain[0], PTX_SOURCE)
    if fitting or jittable:
        entry = (fitting or jittable)[0]
        return RunVerdict(
            "unknown",
            f"only {entry} could serve {gpu}, and whether it is a family- or architecture-"
            f"specific build (which would not) is not read from the fatbin from sm_100 on",
            source=SASS_SOURCE if fitting else PTX_SOURCE,
        )
    return RunVerdict("fails", f"no code for {gpu}: carries {listed}", source=SASS_SOURCE)

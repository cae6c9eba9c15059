"""Request metadata: who asks for the image (the fields the cluster guide asks for).

Read from `--meta FILE` (top-level keys or a `[request]` table) or from `[request]` in
imagesmith.toml; what is still missing is asked for on a terminal, else it is an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path


from imagesmith.core.config import find_project_config, read_toml
from imagesmith.core.errors import ConfigError, UserInputError
from imagesmith.core.typed_load import LoadError, from_mapping, to_mapping


@dataclass
class RequestMeta:
    name: str | None = None  # 姓名
    student_id: str | None = None  # 学号
    supervisor: str | None = None  # 导师
    cluster: str | None = None  # 集群类型: GPU or CPU
    changes: str | None = None  # 要增加的内容, in the requester's words
    account: str | None = None  # cluster user name (/ghome/<account>)
    email: str | None = None
    image_name: str | None = None  # the name wished for, e.g. bit:5000/userx-opencv

    def missing(self) -> list[str]:
        return [f for f in REQUIRED if not (getattr(self, f) or "").strip()]

    def to_dict(self) -> dict[str, str]:
        data = to_mapping(self)
        assert isinstance(data, dict)
        return data


REQUIRED = ("name", "student_id", "supervisor", "cluster", "changes")
PROMPTS = {
    "name": "Your name (姓名)",
    "student_id": "Student id (学号)",
    "supervisor": "Supervisor (导师)",
    "cluster": "Cluster type (集群类型), GPU or CPU",
    "changes": "What the image adds or changes (要增加的内容)",
}

Ask = Callable[[str, str], str]


def _load(path: Path, table: object, label: str) -> RequestMeta:
    try:
        return from_mapping(RequestMeta, table, label)
    except LoadError as exc:
        raise ConfigError(exc.message, where=f"{path}: {exc.path}") from None


def load_request_meta(meta_file: Path | None, folder: Path) -> RequestMeta:
    if meta_file is not None:
        data = read_toml(meta_file, ConfigError, "request metadata")
        if "request" in data:
            return _load(meta_file, data["request"], "request")
        return _load(meta_file, data, "")
    found = find_project_config(folder)
    if found is not None and "request" in found.data:
        return _load(found.path, found.data["request"], "request")
    return RequestMeta()


def complete_request_meta(meta: RequestMeta, ask: Ask | None) -> RequestMeta:
    """Fill the missing required fields through `ask`, or fail naming them all."""
    missing = meta.missing()
    if not missing:
        return meta
    if ask is None:
        raise UserInputError(
            f"request metadata missing: {', '.join(missing)}",
            hint="give --meta request.toml or a [request] table in imagesmith.toml, "
                 "or run on a terminal to be asked")
    known = {f.name for f in fields(RequestMeta)}
    for name in missing:
        assert name in known
        value = ""
        while not value.strip():
            value = ask(name, PROMPTS[name])
        setattr(meta, name, value.strip())
    return meta

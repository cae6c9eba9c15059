"""Minimal inputs behind the exit-3 variants of the seed-18 run of bench/fuzz_lint.py (10,000
Dockerfile and 2,000 job-script variants: 18 exit 3 before these fixes). Each lints to
findings, exit 1 or 0, with no IS003 and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

HUGE = "9" * 4301

CASES = {
    # compat/catalog.py: a CUDA version of an nvidia/cuda tag past any real one (9 of 18)
    "cuda-tag": ("Dockerfile", f"FROM nvidia/cuda:9.{HUGE}-cudnn7-devel-ubuntu16.04\n"
                               "RUN pip install tensorflow-gpu==1.12.0\n"),
    # compat/knowledge.py: a conda match spec whose version packaging cannot read
    "conda-version": ("Dockerfile", "FROM nvidia/cuda:10.2-cudnn7-devel-ubuntu18.04\n"
                                    "RUN conda install -y pytorch=1e999.5.0=py3.8_cuda10.2.89_cudnn7.6.5_0\n"),
    # model/install_specs.py: a wheel file name with a 4,301-digit version
    "wheel-name": ("Dockerfile", f"FROM bit:5000/deepo_9\nARG TF={HUGE}\n"
                                 "RUN pip install https://storage.googleapis.com/tensorflow/linux/gpu/"
                                 "tensorflow-${TF}-cp27-none-linux_x86_64.whl\n"),
    # rules/jobs/IS702.py: a walltime of 4,301-digit hours (6 of 18)
    "walltime": ("job.pbs", f"#!/bin/bash\n#PBS -N x\n#PBS -l nodes=1:gpus=1:S\n"
                            f"#PBS -l walltime={HUGE}:00:00\nstartdocker -u \"-v /ghome/u:/ghome/u\" "
                            "-c \"python /ghome/u/a.py\" bit:5000/deepo_9\n"),
    # rules/jobs/IS712.py: a 4,301-digit thread count
    "threads": ("job.pbs", f"#!/bin/bash\n#PBS -N x\n#PBS -l nodes=1:gpus=1:S\nexport OMP_NUM_THREADS={HUGE}\n"
                           "startdocker -u \"-v /ghome/u:/ghome/u\" -c \"python /ghome/u/a.py\" "
                           "bit:5000/deepo_9\n"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_exit_3(case: str, tmp_path: Path) -> None:
    name, text = CASES[case]
    path = tmp_path / name
    path.write_text(text)
    res = run_cli("lint", "--no-config", "--format", "json", str(path),
                  env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert res.exit_code in (0, 1), res.stderr
    codes = [f["code"] for r in json.loads(res.stdout)["results"] for f in r["findings"]]
    assert "IS003" not in codes and "Traceback" not in res.stderr

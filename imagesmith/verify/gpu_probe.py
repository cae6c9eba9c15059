# Runs INSIDE the image under test, on a node, as the job's uid: `python gpu_probe.py TIMEOUT`.
# Prints one JSON object: the device as the CUDA driver API sees it (libcuda through ctypes, so
# it needs no toolkit), the kernel module's driver version, and each installed framework's own
# view (torch, TensorFlow, CuPy), each framework in a child process with a timeout (a broken
# CUDA install can hang or crash an import). Any Python 2.7 / 3.x: no f-strings, no
# annotations, standard library only.
import ctypes
import json
import os
import subprocess
import sys
import time

CUDA_SUCCESS = 0
CUDA_ERRORS = {100: "CUDA_ERROR_NO_DEVICE", 999: "CUDA_ERROR_UNKNOWN", 3: "CUDA_ERROR_NOT_INITIALIZED",
               35: "CUDA_ERROR_INSUFFICIENT_DRIVER", 804: "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
               803: "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", 101: "CUDA_ERROR_INVALID_DEVICE"}
ATTR_CC_MAJOR, ATTR_CC_MINOR = 75, 76

TORCH = r'''
import json, torch
out = {"version": torch.__version__, "cuda": getattr(torch.version, "cuda", None),
       "available": bool(torch.cuda.is_available())}
if hasattr(torch.cuda, "get_arch_list"):
    try:
        out["arch_list"] = list(torch.cuda.get_arch_list())
    except Exception as exc:
        out["arch_list_error"] = str(exc)
if out["available"]:
    out["device"] = torch.cuda.get_device_name(0)
    out["capability"] = "%d.%d" % tuple(torch.cuda.get_device_capability(0))
    try:
        x = torch.ones(8, device="cuda")
        out["kernel"] = float((x * 2).sum().item()) == 16.0
    except Exception as exc:
        out["kernel"] = False
        out["kernel_error"] = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
print(json.dumps(out))
'''

TENSORFLOW = r'''
import json, os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
out = {"version": tf.__version__}
gpus = None
config = getattr(tf, "config", None)
for lister in (getattr(config, "list_physical_devices", None),  # 2.1+
               getattr(getattr(config, "experimental", None), "list_physical_devices", None)):  # 2.0
    if lister is not None:
        gpus = lister("GPU")
        break
if gpus is not None:
    out["available"] = bool(gpus)
    out["devices"] = [g.name for g in gpus]
    if gpus:
        try:
            with tf.device("/GPU:0"):
                out["kernel"] = float(tf.reduce_sum(tf.ones([8]) * 2).numpy()) == 16.0
        except Exception as exc:
            out["kernel"] = False
            out["kernel_error"] = str(exc).strip().splitlines()[0]
else:  # TensorFlow 1.x
    tf = getattr(getattr(tf, "compat", None), "v1", None) or tf
    out["available"] = bool(tf.test.is_gpu_available())
    if out["available"]:
        try:
            with tf.device("/gpu:0"):
                total = tf.reduce_sum(tf.ones([8]) * 2)
            config = tf.ConfigProto(allow_soft_placement=False)
            with tf.Session(config=config) as sess:
                out["kernel"] = float(sess.run(total)) == 16.0
        except Exception as exc:
            out["kernel"] = False
            out["kernel_error"] = str(exc).strip().splitlines()[0]
print(json.dumps(out))
'''

CUPY = r'''
import json, cupy
out = {"version": cupy.__version__}
try:
    out["devices"] = int(cupy.cuda.runtime.getDeviceCount())
    out["available"] = out["devices"] > 0
except Exception as exc:
    out["available"] = False
    out["error"] = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
if out["available"]:
    try:
        out["kernel"] = int((cupy.ones(8) * 2).sum()) == 16
    except Exception as exc:
        out["kernel"] = False
        out["kernel_error"] = str(exc).strip().splitlines()[0]
print(json.dumps(out))
'''

FRAMEWORKS = (("torch", "torch", TORCH), ("tensorflow", "tensorflow", TENSORFLOW), ("cupy", "cupy", CUPY))


def read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except (IOError, OSError):
        return None


def kernel_module_driver():
    text = read("/proc/driver/nvidia/version")
    if not text:
        return None
    for word in text.split():
        parts = word.split(".")
        if len(parts) >= 2 and all(p.isdigit() for p in parts):
            return word
    return None


def cuda_device():
    out = {"found": False, "kernel_module_driver": kernel_module_driver(),
           "visible_devices": os.environ.get("NVIDIA_VISIBLE_DEVICES"),
           "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES")}
    lib, errors = None, []
    for name in ("libcuda.so.1", "libcuda.so"):
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError as exc:
            errors.append(str(exc))
    if lib is None:
        out["error"] = "no GPU on this node: libcuda.so.1 cannot be loaded (no NVIDIA driver in the container: %s)" % errors[0]
        out["reason"] = "no-driver"
        return out
    rc = lib.cuInit(0)
    if rc != CUDA_SUCCESS:
        out["error"] = "cuInit failed: %s (%d)" % (CUDA_ERRORS.get(rc, "CUDA error"), rc)
        out["reason"] = "no-device" if rc == 100 else "cuinit"
        if rc == 100:
            out["error"] = "no GPU on this node: " + out["error"]
        return out
    version = ctypes.c_int()
    lib.cuDriverGetVersion(ctypes.byref(version))
    out["driver_cuda"] = "%d.%d" % (version.value // 1000, (version.value % 1000) // 10)
    count = ctypes.c_int()
    lib.cuDeviceGetCount(ctypes.byref(count))
    out["count"] = count.value
    out["devices"] = []
    for index in range(count.value):
        dev = ctypes.c_int()
        lib.cuDeviceGet(ctypes.byref(dev), index)
        name = ctypes.create_string_buffer(256)
        lib.cuDeviceGetName(name, 256, dev)
        major, minor = ctypes.c_int(), ctypes.c_int()
        lib.cuDeviceGetAttribute(ctypes.byref(major), ATTR_CC_MAJOR, dev)
        lib.cuDeviceGetAttribute(ctypes.byref(minor), ATTR_CC_MINOR, dev)
        out["devices"].append({"name": name.value.decode("utf-8", "replace"),
                               "capability": "%d.%d" % (major.value, minor.value)})
    out["found"] = count.value > 0
    if not out["found"]:
        out["error"] = "no GPU on this node: the driver reports 0 devices"
        out["reason"] = "no-device"
    return out


def importable(module):
    try:
        import importlib.util
        return importlib.util.find_spec(module) is not None
    except ImportError:  # Python 2
        import imp
        try:
            imp.find_module(module)
            return True
        except ImportError:
            return False


def run_framework(code, timeout):
    import tempfile
    start = time.time()
    # files, not pipes: a framework that logs more than a pipe holds would block forever
    out_file, err_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=out_file, stderr=err_file)
    while proc.poll() is None:
        if time.time() - start > timeout:
            proc.kill()
            proc.wait()
            return {"error": "did not finish within %ds" % timeout}
        time.sleep(0.05)
    out_file.seek(0)
    err_file.seek(0)
    out = out_file.read().decode("utf-8", "replace").strip().splitlines()
    err = err_file.read().decode("utf-8", "replace").strip().splitlines()
    if proc.returncode == 0 and out:
        try:
            return json.loads(out[-1])
        except ValueError:
            pass
    return {"error": (err[-1] if err else "exit %d" % proc.returncode)}


def main(argv):
    budget = int(argv[0]) if argv else 600  # seconds for the whole probe, all frameworks
    deadline = time.time() + budget
    result = {"probe": "gpu", "python": sys.version.split()[0], "uid": os.getuid(),
              "host": os.uname()[1], "device": cuda_device(), "frameworks": {}}
    for key, module, code in FRAMEWORKS:
        if importable(module):
            left = int(deadline - time.time())
            if left <= 0:
                result["frameworks"][key] = {"error": "not probed: the probe's %ds were used up" % budget}
                continue
            result["frameworks"][key] = run_framework(code, left)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])

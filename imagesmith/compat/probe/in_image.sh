# Runs INSIDE the image under test as
#   sh -c <this text> probe PYTHON_PART CONFIGURED_USER FRAMEWORK_DIR...
# and prints sections: a line "@@kind argument", then that section's raw lines. The host parses
# them (imagesmith/compat/probe/parse.py) and decides everything; this script only reads.
# POSIX sh and tools busybox has too (cat ls find grep sed head wc tr id readlink dirname), so
# it runs in images without Python; PYTHON_PART (in_image.py) adds what only a Python knows.
py_part=$1
user=${2%%:*}
shift 2

echo "@@probe 1"

if [ -r /proc/self/environ ]; then
  # NUL and newline become RS and US, so values with newlines survive one line.
  echo "@@environ -"
  tr '\000\n' '\036\037' < /proc/self/environ
  echo
else
  echo "@@unknown env"
  echo "/proc/self/environ is not readable"
fi

echo "@@user ${user:-(none)}"
if [ -n "$user" ]; then
  echo "uid $(id -u "$user" 2>/dev/null)"
  echo "gid $(id -g "$user" 2>/dev/null)"
  echo "name $(id -un "$user" 2>/dev/null)"
else
  echo "uid $(id -u 2>/dev/null)"
  echo "gid $(id -g 2>/dev/null)"
  echo "name $(id -un 2>/dev/null)"
fi

# ld.so.conf in file order, `include` globs expanded in place (depth-limited against loops).
ldconf() {
  [ -f "$1" ] && [ "$2" -lt 8 ] || return 0
  sed -e 's/#.*//' "$1" | while read -r word rest; do
    if [ "$word" = include ]; then
      for pattern in $rest; do
        case $pattern in /*) ;; *) pattern="$(dirname "$1")/$pattern" ;; esac
        for f in $pattern; do ldconf "$f" $(($2 + 1)); done
      done
    elif [ -n "$word" ]; then
      echo "@@ldconf $1"
      echo "$word $rest"
    fi
  done
}
conf=$(ldconf /etc/ld.so.conf 0)
[ -n "$conf" ] && printf '%s\n' "$conf"
[ -f /etc/ld.so.conf ] || { echo "@@unknown ldconf"; echo "/etc/ld.so.conf is missing"; }

defines='#define[[:space:]]+(CUDNN|NCCL)_(MAJOR|MINOR|PATCHLEVEL|PATCH)[[:space:]]'
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null)" = "$(printf '\177ELF')" ] && echo 1 || echo 0; }

# name TAB link-target TAB size TAB elf, for every CUDA-ish library file in one directory.
list_libs() {
  printf '@@libdir %s\t%s\n' "$1" "$(cd "$1" 2>/dev/null && pwd -P)"
  ls -1 "$1" 2>/dev/null | grep -E '^lib(cu|nv|nccl)[^/]*\.so' | while read -r name; do
    f="$1/$name"
    if [ -L "$f" ]; then
      printf '%s\t%s\t\t\n' "$name" "$(readlink "$f")"
    elif [ -f "$f" ]; then
      printf '%s\t\t%s\t%s\n' "$name" "$(wc -c < "$f" | tr -d ' ')" "$(is_elf "$f")"
    fi
  done
}

seen=" "
dirs=$(
  IFS=:
  for d in $LD_LIBRARY_PATH; do echo "$d"; done
  printf '%s\n' "$conf" | grep -v '^@@' | tr ':,\t' '   ' | tr ' ' '\n'
  for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib /usr/lib /lib64 /usr/lib64 \
           /usr/local/cuda/lib64 /usr/local/cuda/lib; do echo "$d"; done
)
for d in $dirs; do
  case $seen in *" $d "*) continue ;; esac
  seen="$seen$d "
  [ -d "$d" ] && list_libs "$d"
  # A library directory's own include/ (an unpacked cuDNN archive) holds its headers.
  inc=$(cd "$d/../include" 2>/dev/null && pwd -P) || continue
  for h in "$inc/cudnn_version.h" "$inc/cudnn.h" "$inc/nccl.h"; do
    [ -f "$h" ] && { echo "@@header $h"; grep -E "$defines" "$h"; }
  done
done

for f in /usr/local/cuda/version.json /usr/local/cuda/version.txt /usr/local/cuda-*/version.json \
         /usr/local/cuda-*/version.txt; do
  [ -f "$f" ] && { echo "@@cuda $f"; head -c 65536 "$f"; echo; }
done
for f in /usr/include/cudnn_version.h /usr/include/cudnn.h /usr/include/x86_64-linux-gnu/cudnn_version_v*.h \
         /usr/include/x86_64-linux-gnu/cudnn_v*.h /usr/local/cuda/include/cudnn_version.h \
         /usr/local/cuda/include/cudnn.h /usr/include/nccl.h /usr/local/cuda/include/nccl.h; do
  [ -f "$f" ] && { echo "@@header $f"; grep -E "$defines" "$f"; }
done
for d in /usr/local/cuda*/compat; do
  [ -d "$d" ] && echo "@@compatdir $d"
done

if [ -f /var/lib/dpkg/status ]; then
  echo "@@dpkg /var/lib/dpkg/status"
  grep -E '^(Package|Version|Status):' /var/lib/dpkg/status
else
  echo "@@unknown dpkg"
  echo "no /var/lib/dpkg/status (not a Debian-based image)"
fi

python=""
for candidate in python python3 python2; do
  python=$(command -v "$candidate" 2>/dev/null) && break
done
if [ -z "$python" ]; then
  echo "@@unknown python"
  echo "no python, python3 or python2 on PATH ($PATH)"
  exit 0
fi
echo "@@pythoncmd $python"
py_out=$("$python" -c "$py_part")
py_rc=$?
printf '%s\n' "$py_out"
[ "$py_rc" = 0 ] || { echo "@@error python"; echo "$python -c <probe> exited $py_rc"; }

# Shared objects of GPU frameworks (and bundled CUDA libraries) in each site directory.
printf '%s\n' "$py_out" | sed -n 's/^@@site //p' | while read -r site; do
  [ -d "$site" ] || continue
  echo "@@sitelibs $site"
  for top in "$@"; do
    [ -d "$site/$top" ] && find "$site/$top" -type f -name '*.so*' 2>/dev/null
  done
  find "$site" -type f \( -name 'libcu*.so*' -o -name 'libnv*.so*' -o -name 'libnccl*.so*' \) 2>/dev/null
done | while read -r f; do
  case $f in
    @@*) echo "$f" ;;
    *) printf '%s\t%s\t%s\n' "$f" "$(wc -c < "$f" | tr -d ' ')" "$(is_elf "$f")" ;;
  esac
done
exit 0

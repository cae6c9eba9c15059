#!/bin/bash
# startdocker, as the cluster guide documents it (guide l.366-420), for the TEST ENVIRONMENT only
# (scripts/test-env.sh installs it as /usr/local/bin/startdocker). The real one wraps
# nvidia-docker; this one runs `docker run --rm -u <caller's uid>` on the local engine, with:
#   -u "<docker args>"   extra docker-run arguments, split on blanks as the real one does
#   -c "<command line>"  or  -s <script>   (exactly one)
#   -P <dir>, -D <dir>   code and data folders, mounted at the same path (never / , /ghome, /gdata)
#   the caller's /ghome/<user> mounted always (STARTDOCKER_HOME overrides the folder), image last.
set -u
usage() {
  echo 'usage: startdocker [-u "docker args"] (-c "command line" | -s script) [-P dir] [-D dir] IMAGE' >&2
  exit 2
}
uargs="" cmd="" script=""
mounts=()
top_level() { case "${1%/}" in ""|/ghome|/gdata|/gpub) return 0 ;; *) return 1 ;; esac; }
while getopts ":u:c:s:P:D:" opt; do
  case "$opt" in
    u) uargs="$OPTARG" ;;
    c) cmd="$OPTARG" ;;
    s) script="$OPTARG" ;;
    P|D)
      if top_level "$OPTARG"; then
        echo "startdocker: -$opt $OPTARG: give at least your own folder (/gdata/<user>)" >&2
        exit 2
      fi
      mounts+=(-v "$OPTARG:$OPTARG") ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
image="$1"
if [ -n "$cmd" ] && [ -n "$script" ]; then echo "startdocker: -c and -s exclude each other" >&2; exit 2; fi
if [ -z "$cmd" ] && [ -z "$script" ]; then usage; fi
home="${STARTDOCKER_HOME:-/ghome/$(id -un)}"
[ -d "$home" ] && mounts+=(-v "$home:$home")
read -r -a extra <<< "$uargs"
runner=docker
command -v nvidia-docker >/dev/null 2>&1 && runner=nvidia-docker
if [ -n "$script" ]; then
  exec "$runner" run --rm --init --label imagesmith.startdocker-double=1 -u "$(id -u)" "${mounts[@]}" "${extra[@]}" --entrypoint "$script" "$image"
fi
exec "$runner" run --rm --init --label imagesmith.startdocker-double=1 -u "$(id -u)" "${mounts[@]}" "${extra[@]}" --entrypoint /bin/sh "$image" -c "$cmd"

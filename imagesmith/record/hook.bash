# imagesmith session hook: `source` it in an interactive bash to journal every command.
# One JSON line per command goes to $IMAGESMITH_JOURNAL as it happens, so the journal
# survives a killed container or a lost terminal. `imagesmith dockerfile JOURNAL` turns it
# into a build folder. Needs bash >= 4; the command start time comes from PS0 (bash >= 4.4)
# or a DEBUG trap (older bash).
if [ -z "${BASH_VERSION:-}" ]; then
    echo "imagesmith hook: this shell is not bash; nothing is recorded" >&2
    return 1 2>/dev/null || exit 1
fi
if [[ -z ${__is_hooked:-} ]]; then
__is_hooked=1
__is_journal=${IMAGESMITH_JOURNAL:-$PWD/imagesmith-journal.jsonl}
# Scratch file for builtin output (no subshell per prompt); tmpfs first: rewriting a file on
# ext4 flushes it (auto_da_alloc), which costs milliseconds per command.
for __is_scratch in /dev/shm /tmp "${__is_journal%/*}"; do
    [[ -d $__is_scratch && -w $__is_scratch ]] && break
done
__is_scratch=$__is_scratch/.imagesmith-hook.$$
__is_void=x
__is_last_n=
__is_cwd=$PWD
declare -A __is_env=()
shopt -s cmdhist lithist
set -o history
HISTCONTROL=
HISTIGNORE=

# JSON string of $1 into __is_out (no subshell).
__is_json() {
    local s=$1 i c out=
    s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/\\r}
    if [[ $s == *[$'\x01'-$'\x1f'$'\x7f']* ]]; then
        for ((i = 0; i < ${#s}; i++)); do
            c=${s:i:1}
            if [[ $c == [$'\x01'-$'\x1f'$'\x7f'] ]]; then printf -v c '\\u%04x' "'$c"; fi
            out+=$c
        done
        s=$out
    fi
    __is_out="\"$s\""
}

# Microseconds since the epoch into __is_t.
__is_now() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then __is_t=${EPOCHREALTIME//[!0-9]/}; else __is_t=$(date +%s%6N); fi
}

# Exported variables that changed since the last call, as a JSON object in __is_envjson.
__is_env_scan() {
    local name val out= names
    local -A seen=()
    compgen -e >"$__is_scratch" 2>/dev/null
    mapfile -t names <"$__is_scratch"
    for name in "${names[@]}"; do
        case $name in PWD | OLDPWD | SHLVL | _ | HISTCMD | LINES | COLUMNS | IMAGESMITH_*) continue ;; esac
        seen[$name]=1
        val=${!name}
        if [[ -z ${__is_env[$name]+x} || ${__is_env[$name]} != "$val" ]]; then
            __is_env[$name]=$val
            __is_json "$name"; out+="${out:+,}$__is_out:"
            __is_json "$val"; out+=$__is_out
        fi
    done
    for name in "${!__is_env[@]}"; do
        if [[ -z ${seen[$name]+x} ]]; then
            unset "__is_env[$name]"
            __is_json "$name"; out+="${out:+,}$__is_out:null"
        fi
    done
    __is_envjson="{$out}"
}

# Package snapshots (dpkg, pip, conda) as one journal line; cluster mode only.
__is_snapshot() {
    [[ ${IMAGESMITH_SNAPSHOTS:-1} == 1 ]] || return 0
    local text
    text=$(sh -c "$__is_snapshot_script" 2>/dev/null)
    __is_now
    __is_json "$text"
    printf '{"type":"snapshot","phase":"%s","time_us":%s,"text":%s}\n' "$1" "$__is_t" "$__is_out" >>"$__is_journal"
}

__is_prompt() {
    local status=$? entry n cmd
    __is_now
    local t_end=$__is_t
    history 1 >"$__is_scratch"
    IFS= read -r -d '' entry <"$__is_scratch"
    entry=${entry%$'\n'}
    if [[ $entry =~ ^[[:space:]]*([0-9]+)[*]?[[:space:]][[:space:]]?(.*)$ ]]; then
        n=${BASH_REMATCH[1]}
        cmd=${BASH_REMATCH[2]}
        if [[ -n ${__is_s:-} && $n != "$__is_last_n" ]]; then
            __is_env_scan
            __is_json "$cmd"; local jcmd=$__is_out
            __is_json "$__is_cwd"; local jbefore=$__is_out
            __is_json "$PWD"
            printf '{"type":"cmd","n":%s,"cmd":%s,"status":%s,"cwd_before":%s,"cwd_after":%s,"env":%s,"t_start_us":%s,"t_end_us":%s}\n' \
                "$n" "$jcmd" "$status" "$jbefore" "$__is_out" "$__is_envjson" "$__is_s" "$t_end" >>"$__is_journal"
        fi
        __is_last_n=$n
    fi
    __is_cwd=$PWD
    __is_s=
    __is_armed=1
    return $status
}

__is_debug() {
    [[ -n ${__is_armed:-} ]] || return 0
    __is_armed=
    __is_now
    __is_s=$__is_t
}

__is_exit() {
    __is_now
    printf '{"type":"end","time_us":%s}\n' "$__is_t" >>"$__is_journal"
    __is_snapshot end
    rm -f "$__is_scratch"
}

__is_start() {
    local jcwd
    __is_env_scan
    __is_now
    __is_json "$PWD"; jcwd=$__is_out
    __is_json "${BASH_VERSION}"
    printf '{"type":"start","version":1,"shell":%s,"uid":%s,"cwd":%s,"env":%s,"time_us":%s}\n' \
        "$__is_out" "$UID" "$jcwd" "$__is_envjson" "$__is_t" >>"$__is_journal"
    __is_snapshot start
}

if ! { : >>"$__is_journal"; } 2>/dev/null; then
    echo "imagesmith hook: cannot write the journal $__is_journal; nothing is recorded" >&2
    unset __is_hooked  # a later `source` (a writable journal) starts afresh
    unset -f __is_json __is_now __is_env_scan __is_snapshot __is_prompt __is_debug __is_exit __is_start 2>/dev/null
else
    __is_start
    history 1 >"$__is_scratch"
    IFS= read -r -d '' __is_last_n <"$__is_scratch"
    [[ $__is_last_n =~ ^[[:space:]]*([0-9]+) ]] && __is_last_n=${BASH_REMATCH[1]} || __is_last_n=
    if [[ -n ${EPOCHREALTIME:-} ]] && ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 4))); then
        PS0="${PS0:-}"'${__is_void:0:$((__is_s=${EPOCHREALTIME//[!0-9]/},0))}'
    else
        trap '__is_debug' DEBUG
    fi
    PROMPT_COMMAND="__is_prompt${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
    trap '__is_exit' EXIT
    echo "imagesmith: recording commands to $__is_journal (exit the shell to finish)" >&2
fi
else
    echo "imagesmith hook: already recording to $__is_journal" >&2
fi

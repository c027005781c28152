# bash completion for winbpf (installed as share/bash-completion/completions/winbpf).
# The candidates come from `winbpf __complete WORD... CURRENT`, which reads winbpf's own verb table (verbs, TAG=
# parameters, --options) and the running system (program IDs, map names; as root), so it follows the binary it
# completes.
_winbpf()
{
    local line=${COMP_LINE:0:COMP_POINT}
    local -a words
    read -ra words <<<"$line"
    local cur=""
    if [[ $line != *[[:space:]] && ${#words[@]} -gt 0 ]]; then
        cur=${words[-1]}
        unset 'words[-1]'
    fi
    local -a candidates
    mapfile -t candidates < <("${words[0]:-winbpf}" __complete "${words[@]:1}" "$cur" 2>/dev/null)
    # bash replaces only the part of the word after the last '=' (a word break): offer that part.
    local prefix=""
    if [[ $cur == *=* && $COMP_WORDBREAKS == *=* ]]; then
        prefix=${cur%=*}=
    fi
    COMPREPLY=()
    local candidate
    for candidate in "${candidates[@]}"; do
        COMPREPLY+=("${candidate#"$prefix"}")
    done
    # A tag (TAG=) or a directory takes more text: no space after it.
    if [[ ${#COMPREPLY[@]} -eq 1 && ( ${COMPREPLY[0]} == *= || ${COMPREPLY[0]} == */ ) ]]; then
        compopt -o nospace 2>/dev/null
    fi
}
complete -F _winbpf winbpf

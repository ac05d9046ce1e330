#!/usr/bin/env bash
# Tests the generated bash completion with bash itself: sources docs/completion/fargate-emu.bash,
# sets COMP_WORDS/COMP_CWORD as readline would, calls the function and checks COMPREPLY.
# Usage: completion_bash.sh SOURCE_DIR FARGATE_EMU
set -u
src=${1:?usage: completion_bash.sh SOURCE_DIR FARGATE_EMU}
bin=${2:?usage: completion_bash.sh SOURCE_DIR FARGATE_EMU}
# shellcheck source=/dev/null
source "$src/docs/completion/fargate-emu.bash" || { echo "FAIL: cannot source"; exit 1; }
complete -p fargate-emu | grep -q -- '-F _fargate_emu' || { echo "FAIL: not registered"; exit 1; }
cd "$src" || exit 1
fail=0

# complete WORD... : the last word is the one being completed; COMP_WORDS[0] is the binary so
# task IDs come from this build.
complete_words()
{
    COMP_WORDS=("$bin" "$@")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _fargate_emu
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect()
{
    local want=$1
    shift
    local got
    got=$(complete_words "$@")
    if [ "$got" != "$want" ]; then
        echo "FAIL: fargate-emu $* <TAB>: got '$got', want '$want'"
        fail=1
    fi
}

# Contains: every word of want is offered (for lists that grow as commands get options).
expect_has()
{
    local want=$1
    shift
    local got
    got=" $(complete_words "$@") "
    for w in $want; do
        case $got in *" $w "*) ;; *) echo "FAIL: fargate-emu $* <TAB>: '$w' missing from '$got'"; fail=1 ;; esac
    done
}

expect "validate version" v                          # commands
expect "render" ren
expect "--launch-type" validate --la                 # a command's own option
expect "--tf-plan --tftpl" validate --tf              # task-definition options
expect "" ps --tf                                    # ... only where a task definition is read
expect_has "--all --json --help --data-dir" ps --
expect "EC2 FARGATE" validate --launch-type ""        # choices
expect "EC2" validate --launch-type E
expect "log-options" render --what = l              # --what=l: readline splits at '='
expect "all containers log-options router-config taskdef" render --what =
expect "router-config" render --what r
expect "always" run --pull al
expect "" run --region ""                            # a free value: nothing offered
# Files for TASKDEF operands and FILE metavars; directories for DIR.
expect "fixtures/seed/task-s3-full.json" validate fixtures/seed/task-s3
expect "fixtures/seed/task.tftpl fixtures/seed/task.tftpl.rendered.json" render --tftpl fixtures/seed/task.tf
expect "fixtures/seed" ps --data-dir fixtures/se
# help completes command names.
expect "ps" help p
if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "ok: bash completion"

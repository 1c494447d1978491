# The fixed part of ec2dl's zsh completion: 'ec2dl completion zsh' writes the tables
# (_ec2dl_commands, _ec2dl_options, _ec2dl_value, _ec2dl_positional) generated from the
# live command line, then this file.
_ec2dl() {
  local cur=${words[CURRENT]} prog=${words[1]} cmd_path='' word pending='' entry REPLY
  local -i i=2 npos=0 dashdash=0 found=0
  local -a reply
  prog=${~prog}
  (( $+commands[$prog] )) || [[ -x $prog ]] || prog=ec2dl
  while (( i < CURRENT )); do
    word=${words[i]}
    if (( dashdash )); then
      (( npos++ ))
    else
      case $word in
        (--) dashdash=1 ;;
        (--*=*) ;;
        (-?*)
          _ec2dl_value "$cmd_path" "$word"
          if [[ -n $REPLY ]]; then
            (( i + 1 >= CURRENT )) && pending=$REPLY
            (( i++ ))
          fi
          ;;
        (*)
          _ec2dl_commands "$cmd_path"
          found=0
          for entry in "${reply[@]}"; do
            [[ ${entry%%:*} == "$word" ]] && found=1
          done
          if (( npos == 0 && found )); then
            cmd_path=${cmd_path:+$cmd_path }$word
          else
            (( npos++ ))
          fi
          ;;
      esac
    fi
    (( i++ ))
  done
  if [[ -z $pending && $dashdash == 0 && $cur == --*=* ]]; then
    _ec2dl_value "$cmd_path" "${cur%%=*}"
    if [[ -n $REPLY ]]; then
      pending=$REPLY
      compset -P '*='
    fi
  fi
  if [[ -n $pending ]]; then
    _ec2dl_complete_value "$pending"
    return
  fi
  if (( ! dashdash )) && [[ $cur == -* ]]; then
    local -a opts
    _ec2dl_options "$cmd_path"
    opts=("${reply[@]}")
    if [[ -n $cmd_path ]]; then
      _ec2dl_options '*global*'
      opts+=("${reply[@]}")
    fi
    _describe -t options 'option' opts
    return
  fi
  _ec2dl_commands "$cmd_path"
  if (( ${#reply} && npos == 0 )); then
    _describe -t commands 'ec2dl command' reply
    return
  fi
  _ec2dl_positional "$cmd_path" "$npos"
  _ec2dl_complete_value "$REPLY"
}

# Completes a value of kind $1 (any, host, profile, file, choice:A B C).
_ec2dl_complete_value() {
  local -a candidates
  case $1 in
    (host) candidates=(${(f)"$("$prog" __complete hosts 2>/dev/null)"}) ;;
    (profile) candidates=(${(f)"$("$prog" __complete profiles 2>/dev/null)"}) ;;
    (choice:*) candidates=(${=${1#choice:}}) ;;
    (file) _files; return ;;
    (*) return 1 ;;
  esac
  compadd -- "${candidates[@]}"
}

if [ "$funcstack[1]" = "_ec2dl" ]; then
  _ec2dl "$@"
else
  compdef _ec2dl ec2dl
fi

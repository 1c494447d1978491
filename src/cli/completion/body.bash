# The fixed part of ec2dl's bash completion: 'ec2dl completion bash' writes the tables
# (_ec2dl_commands, _ec2dl_options, _ec2dl_value, _ec2dl_positional) generated from the
# live command line, then this file.
# shellcheck shell=bash
# Walks the words before the cursor: the subcommand path, positionals seen, and whether the
# word under the cursor is an option's value.
_ec2dl() {
  local cur=${COMP_WORDS[COMP_CWORD]} prog=${COMP_WORDS[0]} cmd_path='' word pending='' _ec2dl_r
  local i=1 npos=0 dashdash=0 opts
  COMPREPLY=()
  prog=${prog/#\~/$HOME}
  command -v "$prog" >/dev/null 2>&1 || prog=ec2dl
  while [ "$i" -lt "$COMP_CWORD" ]; do
    word=${COMP_WORDS[i]}
    if [ "$dashdash" = 1 ]; then
      npos=$((npos + 1))
    else
      case $word in
        --) dashdash=1 ;;
        --*=*) ;;
        -?*)
          _ec2dl_value "$cmd_path" "$word"
          if [ -n "$_ec2dl_r" ]; then
            # The value is the next word; bash splits --opt=value at '='.
            if [ "${COMP_WORDS[i + 1]}" = '=' ]; then
              i=$((i + 1))
            fi
            if [ $((i + 1)) -ge "$COMP_CWORD" ]; then
              pending=$_ec2dl_r
            fi
            i=$((i + 1))
          fi
          ;;
        *)
          _ec2dl_commands "$cmd_path"
          if [ "$npos" = 0 ] && [[ " $_ec2dl_r " == *" $word "* ]]; then
            cmd_path=${cmd_path:+$cmd_path }$word
          else
            npos=$((npos + 1))
          fi
          ;;
      esac
    fi
    i=$((i + 1))
  done
  [ "$cur" = '=' ] && cur=''
  if [ -n "$pending" ]; then
    _ec2dl_complete_value "$pending"
    return 0
  fi
  if [ "$dashdash" = 0 ] && [[ $cur == -* ]]; then
    _ec2dl_options "$cmd_path"
    opts=$_ec2dl_r
    if [ -n "$cmd_path" ]; then
      _ec2dl_options '*global*'
      opts="$opts $_ec2dl_r"
    fi
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return 0
  fi
  _ec2dl_commands "$cmd_path"
  if [ -n "$_ec2dl_r" ] && [ "$npos" = 0 ]; then
    mapfile -t COMPREPLY < <(compgen -W "$_ec2dl_r" -- "$cur")
    return 0
  fi
  _ec2dl_positional "$cmd_path" "$npos"
  _ec2dl_complete_value "$_ec2dl_r"
}

# Fills COMPREPLY for a value of kind $1 (any, host, profile, file, choice:A B C).
_ec2dl_complete_value() {
  local words
  case $1 in
    host) words=$("$prog" __complete hosts 2>/dev/null) ;;
    profile) words=$("$prog" __complete profiles 2>/dev/null) ;;
    choice:*) words=${1#choice:} ;;
    file)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return 0
      ;;
    *) return 0 ;;
  esac
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}

complete -o bashdefault -o default -F _ec2dl ec2dl

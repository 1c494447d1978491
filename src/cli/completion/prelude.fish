function __ec2dl_candidates --description 'ec2dl __complete, with the ec2dl typed'
    set -l prog (commandline -opc)[1]
    command -q $prog; or test -x "$prog"; or set prog ec2dl
    $prog __complete $argv 2>/dev/null
end

complete -c ec2dl -e
complete -c ec2dl -f

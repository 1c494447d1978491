# Lists files on the server for push and pull, in one round trip.
# Inputs (named, set before the script's first line by remote::ScriptCall; requests on stdin):
#   in_follow   1: follow symlinks (find -L)     in_ignores  1: also send .ec2dlignore files
#   in_base     BASE, the job registry folder    in_job      JOB, a job id or name ("" for none)
#   in_auto     1: JOB is only a candidate: it is used when it names a job and no file of that
#               name exists in the home folder (both: an error, exit 4); 2: the same, but
#               when both exist the file wins
# stdin holds one request per line, "<kind><index>:<path>", where the path has every
# backslash, control and non-ASCII byte written as \0ooo (octal). Kinds: s = describe the
# path itself (a symlink to a folder is described as the folder), r = the path and everything under it, g = expand a glob (here, on the server)
# then as r; j = as g but only when JOB is not used, o = as g but only when JOB is used.
# A leading "~" is expanded. Relative paths are relative to the home folder, or to the job's
# working directory when a job is used.
# stdout: NUL-terminated fields, records tagged by their first field:
#   J used            whether JOB was used (0/1), always first
#   H home            the home folder
#   W dir             the job's working directory (only when used)
#   R index path      a root: the absolute path a request (or one glob match) named
#   E type size mtime mode relpath linktarget      one file under the last root (relpath ""
#                     is the root itself; type is find's %y: f d l p s c b, N = dangling)
#   I relpath text    an .ec2dlignore file under the last root (NUL bytes removed)
#   N index request   nothing matched the request
#   F index           the listing of the last root is incomplete (unreadable folders)
# Exit: 0 ok, 3 no such job, 4 ambiguous JOB, 5 the server lacks GNU find.
# uses: lib
set -u
follow=${in_follow?} ignores=${in_ignores?} base=${in_base?} job=${in_job?} auto=${in_auto?}

if ! find . -maxdepth 0 -printf '' >/dev/null 2>&1; then
  echo "the server needs GNU find (findutils) for transfers" >&2
  exit 5
fi

# The registry folder of JOB (an id, or the newest job whose name file holds JOB), or "".
find_job() {
  expand_tilde "$base" jobs
  jobs=$jobs/jobs
  case $1 in
    '' | *[!0-9]*) ;;
    *)
      if [ -d "$jobs/$1" ]; then
        printf '%s' "$jobs/$1"
        return 0
      fi
      ;;
  esac
  best='' best_id=-1
  for d in "$jobs"/*/; do
    d=${d%/}
    [ -f "$d/name" ] || continue
    [ "$(cat -- "$d/name" 2>/dev/null)" = "$1" ] || continue
    id=${d##*/}
    case $id in '' | *[!0-9]*) continue ;; esac
    if [ "$id" -gt "$best_id" ]; then
      best=$d best_id=$id
    fi
  done
  printf '%s' "$best"
}

used=0
# A file wins over a job of the same name when auto is 2: then no job is looked for (which
# reads every job's name).
if [ "$auto" = 2 ] && { [ -e "$HOME/$job" ] || [ -L "$HOME/$job" ]; }; then
  job=''
fi
if [ -n "$job" ]; then
  jd=$(find_job "$job")
  if [ "$auto" != 0 ]; then
    if [ -n "$jd" ]; then
      if [ -e "$HOME/$job" ] || [ -L "$HOME/$job" ]; then
        if [ "$auto" = 1 ]; then
          echo "'$job' is both a job and a file in the home folder" >&2
          exit 4
        fi
      else
        used=1
      fi
    fi
  elif [ -z "$jd" ]; then
    echo "no job '$job' on the server" >&2
    exit 3
  else
    used=1
  fi
fi
printf 'J\0%s\0H\0%s\0' "$used" "$HOME"
if [ "$used" = 1 ]; then
  if [ -d "$jd/workdir" ]; then
    wd=$jd/workdir
  elif [ -f "$jd/workdir" ]; then
    wd=$(cat -- "$jd/workdir")
    expand_tilde "$wd" wd
  else
    wd=$HOME
  fi
  if ! cd -P -- "$wd" 2>/dev/null; then
    echo "job '$job': its working directory $wd is gone" >&2
    exit 3
  fi
  printf 'W\0%s\0' "$PWD"
fi

if [ "$follow" = 1 ]; then
  opt=-L fmt='E\0%Y\0%s\0%T@\0%m\0%P\0%l\0'
else
  opt=-P fmt='E\0%y\0%s\0%T@\0%m\0%P\0%l\0'
fi

list() {  # index path recursive
  case $2 in
    /*) abs=$2 start=$2 ;;
    *) abs=$PWD/$2 start=./$2 ;;
  esac
  printf 'R\0%s\0%s\0' "$1" "$abs"
  if [ "$3" = 0 ]; then
    one=$opt
    [ "$one" = -P ] && one=-H
    find "$one" "$start" -maxdepth 0 -printf "$fmt" 2>/dev/null || printf 'F\0%s\0' "$1"
    return 0
  fi
  find "$opt" "$start" \( -name '.ec2dl-stage.*' -o -name '.ec2dl-part.*' \
    -o -name '.ec2dl-tmp.*' \) -prune -o -printf "$fmt" || printf 'F\0%s\0' "$1"
  if [ "$ignores" = 1 ]; then
    find "$opt" "$start" -name .ec2dlignore -type f -size -65k -exec sh -c '
      start=$1; shift
      for f do
        rel=${f#"$start"}
        printf "I\0%s\0" "${rel#/}"
        tr -d "\000" <"$f"
        printf "\0"
      done' sh "$start" {} + 2>/dev/null
  fi
}

exists() { [ -e "$1" ] || [ -L "$1" ]; }

while IFS= read -r line; do
  head=${line%%:*} path=${line#*:}
  kind=${head%"${head#?}"} index=${head#?}
  case $path in
    *\\*)
      path=$(printf '%bx' "$path")
      path=${path%x}
      ;;
  esac
  case $kind in
    j) [ "$used" = 0 ] || continue; kind=g ;;
    o) [ "$used" = 1 ] || continue; kind=g ;;
  esac
  p=$path
  expand_tilde "$p" p
  case $kind in
    s | r)
      if exists "$p"; then
        if [ "$kind" = s ]; then list "$index" "$p" 0; else list "$index" "$p" 1; fi
      else
        printf 'N\0%s\0%s\0' "$index" "$path"
      fi
      ;;
    g)
      found=0
      old_ifs=$IFS
      IFS=
      # Unquoted on purpose: the server's sh expands the glob (and nothing else: no field
      # splitting with an empty IFS, no command substitution of expansion results).
      # shellcheck disable=SC2086
      for m in $p; do
        if exists "$m"; then
          found=1
          list "$index" "$m" 1
        fi
      done
      IFS=$old_ifs
      [ "$found" = 1 ] || printf 'N\0%s\0%s\0' "$index" "$path"
      ;;
  esac
done
exit 0

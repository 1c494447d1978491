# Reports what the server offers, one "key value" line each (used by doctor and tests).
printf 'sh %s\n' "$(command -v sh)"
printf 'uname %s\n' "$(uname -sr 2>/dev/null)"

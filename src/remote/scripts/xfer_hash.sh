# Prints the sha256 of files, for --checksum and --verify.
# Usage: xfer_hash.sh     (NUL-terminated paths on stdin; a leading "~/" is expanded)
# stdout: sha256sum's lines ("HASH  NAME", with a leading backslash and \\ \n escapes for a
# name holding a backslash or a newline), in the order given. Unreadable files are left out
# (and reported on stderr).
# Exit: 0 all hashed, 1 some could not be read.
set -u
cd || exit 1
# Paths relative to the home folder reach sha256sum as they are: "~/x" becomes "./x".
sed -z 's|^~/|./|' | xargs -0 -r sha256sum --

#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ec2dl/remote/ignore.hpp"
#include "ec2dl/remote/manifest.hpp"

namespace ec2dl::transfer {

using remote::FileInfo;
using remote::FileType;

// One listed source path with everything under it (entries[0].rel == "" is the path
// itself), as scanned locally for a push or listed by the server for a pull.
struct SourceRoot {
  std::string path;       // where it is read from
  bool contents = false;  // a folder given with a trailing "/": copy what it holds
  std::vector<remote::ManifestEntry> entries;
  remote::IgnoreRules rules;  // exclusions inside this root (relative to it)
  bool complete = true;       // false: some folders could not be listed (no --delete there)
};

// One thing to be placed at `rel` under the destination folder.
struct SourceItem {
  std::string rel;
  std::string source;  // the path to read it from
  FileInfo info;
  std::size_t root = 0;     // index into the roots
  std::string rel_in_root;  // its path below its root ("" for the root itself)
};

// Where the sources go: a folder `dest_root`, with every item at dest_root/rel.
struct Layout {
  std::string dest_root;
  std::vector<SourceItem> items;
  // Destination folders (rels, "" = dest_root) mirrored from a source folder: with --delete,
  // what they hold beyond the source's contents is removed. Paired with the root index.
  std::vector<std::pair<std::string, std::size_t>> mirrored;
  bool renamed = false;  // a single file given a new name (dest_root = the target's folder)
  std::vector<std::string> problems;  // a layout that cannot be done
};

// Joins path parts with one "/" ("~" + "a" -> "~/a", "/" + "a" -> "/a", "" + "a" -> "a").
std::string join_path(std::string_view folder, std::string_view name);
// The last component of a path ("a/b/" -> "b", "/" -> "/", "~/" -> "~").
std::string base_name(std::string_view path);
// Everything before the last component ("a/b" -> "a", "b" -> "", "/b" -> "/").
std::string parent_path(std::string_view path);
// Whether a source operand asks for a folder's contents: a trailing "/", ".", "..", or a
// path ending in "/." or "/..".
bool wants_contents(std::string_view operand);

// Places the roots under `dest`, the way rsync does without a trailing slash on the
// sources: a folder or file goes to DEST/NAME, a folder given with a trailing "/" has its
// contents go to DEST. When there is exactly one root, it is not a folder, and the
// destination is not an existing folder (`dest_is_dir`) nor ends with "/", the file takes
// DEST as its new name (like cp and scp). Excluded entries (the root's rules) are left out.
Layout make_layout(const std::vector<SourceRoot>& roots, std::string_view dest, bool dest_is_dir,
                   bool dest_exists);

enum class Action {
  mkdir,      // create a folder
  send,       // copy a file's content
  link,       // create or replace a symlink
  attrs,      // a file whose content is right: set its mode (and mtime)
  dir_attrs,  // set a folder's mode and mtime (after everything inside it changed)
  remove,     // remove from the destination (--delete, or a folder in the way)
};

struct Step {
  Action action;
  std::size_t item = 0;  // index into Layout::items (not for remove)
  std::string rel;       // the destination path, relative to Layout::dest_root
  std::string why;       // for the listing: "new", "size", "mtime", "content", "mode", ...
};

struct PlanOptions {
  bool delete_extra = false;  // --delete
  bool checksum = false;      // compare content hashes, not mtimes
};

// What the destination holds for the items' places: rel -> info. Entries excluded by the
// rules are expected to be left out by the caller, so that they are never deleted.
using DestTree = std::map<std::string, FileInfo>;
// Content hashes by rel, for --checksum (both sides).
using Hashes = std::map<std::string, std::string>;

struct Plan {
  std::vector<Step> steps;  // in execution order: remove, mkdir, send/link, attrs, dir_attrs
  std::vector<std::string> problems;  // conflicts that stop the transfer
  std::vector<std::string> notes;     // things skipped (special files), worth a warning
  std::size_t files_unchanged = 0;
  std::uint64_t bytes_unchanged = 0;
  std::uint64_t bytes_to_send = 0;
  std::size_t count(Action action) const;
};

// The rels (files) whose content must be compared by hash for --checksum: same type and
// size on both sides.
std::vector<std::size_t> checksum_candidates(const Layout& layout, const DestTree& dest);

// Compares the sources with the destination and lists what to do. Unchanged files (same
// size and mtime; with checksum, same size and hash) are skipped; modes and mtimes are
// fixed where only they differ. Items whose path is malformed (empty, ".", "..", absolute)
// or whose parent is not a source folder are refused as problems.
Plan make_plan(const Layout& layout, const DestTree& dest, const PlanOptions& options,
               const Hashes& source_hashes = {}, const Hashes& dest_hashes = {});

// A path made safe and unambiguous for a terminal or JSON: backslash, control characters
// and invalid UTF-8 bytes written as C escapes (\\, \n, \t, \xHH).
std::string display_path(std::string_view path);

// One change of a plan, as data for a listing.
struct PlanEntry {
  Action action = Action::send;  // attrs of a folder come as dir_attrs
  std::string path;              // display_path of the destination rel
  std::uint64_t size = 0;        // send: the file's size
  std::string why;               // send, attrs: "new", "size", "mtime", "content", "type", "mode"
  std::string target;            // link: where it points, in display form
  std::uint32_t mode = 0;        // attrs, dir_attrs: the mode set
};

// What the plan changes, one entry per step, paths shown with display_path. Folders whose
// own mode and mtime are already right are not listed.
std::vector<PlanEntry> describe_plan(const Plan& plan, const Layout& layout);

}  // namespace ec2dl::transfer

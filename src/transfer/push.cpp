// push: local files and folders to the server. One round trip lists the destination, the
// planner decides, then one tar stream (into a staging folder, moved into place only when
// complete) carries small files, links and folder changes, and each large file travels on
// its own resumable channel.
#include "ec2dl/transfer/push.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "ec2dl/core/interrupt.hpp"
#include "ec2dl/remote/script.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/transfer/hash.hpp"
#include "ec2dl/transfer/local_scan.hpp"
#include "ec2dl/transfer/progress.hpp"
#include "ec2dl/transfer/remote_command.hpp"
#include "ec2dl/transfer/remote_files.hpp"
#include "ec2dl/transfer/send_file.hpp"
#include "ec2dl/transfer/sync.hpp"
#include "ec2dl/transfer/tar.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;

core::Result<PreparedPush> prepare_push(PushRequest request) {
  PreparedPush out;
  std::vector<std::string> problems;
  for (const auto& source : request.sources) {
    SourceRoot root;
    root.path = source;
    root.contents = wants_contents(source);
    for (const auto& pattern : request.options.excludes) {
      root.rules.add_pattern(pattern);
    }
    ScanOptions scan_options;
    scan_options.follow_symlinks = request.options.follow_symlinks;
    scan_options.rules = &root.rules;
    scan_options.read_ignore_files = request.options.use_ignore_files;
    auto scan = scan_local(source, scan_options);
    if (!scan.found) {
      problems.push_back(fmt::format("{}: {}", source, std::strerror(scan.error_number)));
      continue;
    }
    const auto type = scan.entries.front().info.type;
    if ((type == FileType::file || type == FileType::dir) &&
        ::access(source.c_str(), type == FileType::dir ? R_OK | X_OK : R_OK) != 0) {
      problems.push_back(fmt::format("{}: {}", source, std::strerror(errno)));
      continue;
    }
    root.entries = std::move(scan.entries);
    root.complete = scan.complete;
    for (auto& e : scan.errors) {
      out.warnings.push_back(std::move(e));
    }
    out.roots.push_back(std::move(root));
  }
  if (!problems.empty()) {
    return fail(ErrorKind::not_found, "push: " + list_problems(problems));
  }
  out.request = std::move(request);
  return out;
}

namespace {

std::string nul_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    out += i;
    out += '\0';
  }
  return out;
}

class Pusher {
 public:
  Pusher(ssh::Session& session, const Layout& layout, const Plan& plan, const SyncOptions& options,
         Summary& summary)
      : m_session(session),
        m_layout(layout),
        m_plan(plan),
        m_options(options),
        m_summary(summary),
        m_progress(options.progress, plan.bytes_to_send, plan.count(Action::send)),
        m_limiter(options.bwlimit) {}

  core::Result<void> run() {
    std::vector<std::size_t> large;
    bool stream_work = false;
    bool has_dirs = false;
    for (std::size_t s = 0; s < m_plan.steps.size(); ++s) {
      const auto& step = m_plan.steps[s];
      if (step.action == Action::send && m_layout.items[step.item].info.size >= k_resumable_size) {
        large.push_back(s);
      } else if (step.action == Action::dir_attrs) {
        has_dirs = true;
      } else {
        stream_work = true;
      }
    }
    if (stream_work || (has_dirs && large.empty())) {
      EC2DL_TRY(send_stream(true, large.empty()));
    }
    for (const auto s : large) {
      EC2DL_TRY(send_large(m_plan.steps[s]));
    }
    if (!large.empty() && has_dirs) {
      EC2DL_TRY(send_stream(false, true));
    }
    m_progress.clear();
    if (m_options.verify) {
      EC2DL_TRY(verify());
    }
    return core::ok();
  }

 private:
  std::string remote_path(const std::string& rel) const {
    return join_path(m_layout.dest_root, rel);
  }

  core::Result<void> send_stream(bool changes, bool dirs) {
    const remote::ScriptCall call{remote::scripts::xfer_recv, {m_layout.dest_root}, {}};
    EC2DL_TRY_ASSIGN(auto cmd, RemoteCommand::start(m_session, call, nullptr));
    const auto what = fmt::format("push to {}", display_path(m_layout.dest_root));
    if (auto written = write_stream(cmd, changes, dirs); !written) {
      return fail(explain_write_failure(m_session, cmd, written.error(), what));
    }
    EC2DL_TRY_ASSIGN(const auto status, cmd.wait());
    if (status.shell_status() != 0) {
      return fail(remote_failure(what, status, cmd.error_text()));
    }
    return core::ok();
  }

  core::Result<void> write_stream(RemoteCommand& cmd, bool changes, bool dirs) {
    EC2DL_TRY_ASSIGN(auto writer, TarWriter::open([&](std::string_view block) {
                       m_limiter.consume(block.size());
                       return cmd.write(block);
                     }));
    const auto now = util::now_epoch();
    std::vector<std::string> discard;
    if (changes) {
      std::vector<std::string> mkdirs;
      std::string meta;
      for (const auto& step : m_plan.steps) {
        const auto& item = m_layout.items[step.item];
        switch (step.action) {
          case Action::send:
            if (item.info.size < k_resumable_size) {
              EC2DL_TRY(stream_file(writer, step, discard));
            }
            break;
          case Action::link:
            EC2DL_TRY(writer.add_symlink("d/" + step.rel, item.info.link, 0777, item.info.mtime));
            ++m_summary.links;
            break;
          case Action::mkdir:
            mkdirs.push_back(step.rel);
            ++m_summary.dirs_created;
            break;
          case Action::attrs:
            meta += fmt::format("{:o}", item.info.mode) + '\0' + std::to_string(item.info.mtime) +
                    '\0' + step.rel + '\0';
            ++m_summary.attrs_updated;
            break;
          default:
            break;
        }
      }
      if (!discard.empty()) {
        EC2DL_TRY(writer.add_file("c/discard", nul_list(discard), 0600, now));
      }
      const auto removals = topmost_removals(m_plan);
      if (!removals.empty()) {
        EC2DL_TRY(writer.add_file("c/delete", nul_list(removals), 0600, now));
      }
      if (!mkdirs.empty()) {
        // New folders whose parent is not new are renamed into place whole.
        std::set<std::string> fresh(mkdirs.begin(), mkdirs.end());
        std::vector<std::string> topmost;
        for (const auto& rel : mkdirs) {
          if (!fresh.contains(parent_path(rel))) {
            topmost.push_back(rel);
          }
        }
        EC2DL_TRY(writer.add_file("c/newdirs", nul_list(topmost), 0600, now));
        EC2DL_TRY(writer.add_file("c/mkdir", nul_list(mkdirs), 0600, now));
      }
      if (!meta.empty()) {
        EC2DL_TRY(writer.add_file("c/meta", meta, 0600, now));
      }
    }
    if (dirs) {
      std::string folders;
      EC2DL_TRY_ASSIGN(auto inner, TarWriter::open([&](std::string_view block) {
                         folders.append(block);
                         return core::ok();
                       }));
      bool any = false;
      for (const auto& step : m_plan.steps) {
        if (step.action == Action::dir_attrs) {
          const auto& item = m_layout.items[step.item];
          EC2DL_TRY(inner.add_dir(step.rel, item.info.mode, item.info.mtime));
          any = true;
          if (step.why == "mode" || step.why == "mtime") {
            ++m_summary.attrs_updated;
          }
        }
      }
      EC2DL_TRY(inner.close());
      if (any) {
        EC2DL_TRY(writer.add_file("c/dirs.tar", folders, 0600, now));
      }
    }
    EC2DL_TRY(writer.add_file("c/end", "", 0600, now));
    EC2DL_TRY(writer.close());
    return cmd.close_input();
  }

  // Streams one file into the archive. A file that cannot be read is listed as a failure
  // (the transfer goes on); one that shrinks while read is padded to keep the stream
  // intact and discarded on the server.
  core::Result<void> stream_file(TarWriter& writer, const Step& step,
                                 std::vector<std::string>& discard) {
    const auto& item = m_layout.items[step.item];
    const int flags = O_RDONLY | O_CLOEXEC | (m_options.follow_symlinks ? 0 : O_NOFOLLOW);
    util::UniqueFd fd(::open(item.source.c_str(), flags));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
      m_summary.failures.push_back(
          fmt::format("read {}: {}", display_path(item.source), std::strerror(errno)));
      return core::ok();
    }
    if (!S_ISREG(st.st_mode)) {
      m_summary.failures.push_back(
          fmt::format("{}: no longer a regular file", display_path(item.source)));
      return core::ok();
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    EC2DL_TRY(writer.begin_file("d/" + step.rel, size,
                                static_cast<std::uint32_t>(st.st_mode & 07777),
                                static_cast<std::int64_t>(st.st_mtim.tv_sec)));
    Sha256 hash;
    std::uint64_t left = size;
    bool broken = false;
    while (left > 0) {
      if (core::interrupted()) {
        return fail(ErrorKind::interrupted, "interrupted");
      }
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, m_buffer.size()));
      const ssize_t n = ::read(fd.get(), m_buffer.data(), want);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        m_summary.failures.push_back(
            n < 0 ? fmt::format("read {}: {}", display_path(item.source), std::strerror(errno))
                  : fmt::format("{} changed while it was read; run again",
                                display_path(item.source)));
        const std::string zeros(static_cast<std::size_t>(std::min<std::uint64_t>(left, 65536)),
                                '\0');
        while (left > 0) {
          const auto k = std::min<std::uint64_t>(left, zeros.size());
          EC2DL_TRY(writer.write_data(std::string_view(zeros.data(), static_cast<std::size_t>(k))));
          left -= k;
        }
        discard.push_back(step.rel);
        broken = true;
        break;
      }
      const std::string_view chunk(m_buffer.data(), static_cast<std::size_t>(n));
      EC2DL_TRY(writer.write_data(chunk));
      if (m_options.verify) {
        hash.update(chunk);
      }
      m_progress.add_bytes(static_cast<std::uint64_t>(n));
      left -= static_cast<std::uint64_t>(n);
    }
    m_progress.add_file();
    if (!broken) {
      ++m_summary.files_sent;
      m_summary.bytes_sent += size;
      if (m_options.verify) {
        m_sent_hashes[remote_path(step.rel)] = hash.hex();
      }
    }
    return core::ok();
  }

  core::Result<void> send_large(const Step& step) {
    const auto& item = m_layout.items[step.item];
    const auto dest = remote_path(step.rel);
    const int flags = O_RDONLY | O_CLOEXEC | (m_options.follow_symlinks ? 0 : O_NOFOLLOW);
    util::UniqueFd fd(::open(item.source.c_str(), flags));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      m_summary.failures.push_back(
          fmt::format("read {}: {}", display_path(item.source),
                      fd.valid() ? "not a regular file" : std::strerror(errno)));
      return core::ok();
    }
    SendOptions send;
    send.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
    send.mtime = std::to_string(st.st_mtim.tv_sec);
    send.hash = m_options.verify;
    EC2DL_TRY_ASSIGN(const auto sent, send_file(m_session, fd.get(), item.source,
                                                static_cast<std::uint64_t>(st.st_size), dest, send,
                                                &m_progress, &m_limiter));
    m_progress.add_file();
    m_summary.bytes_resumed += sent.resumed;
    if (sent.shrank) {
      m_summary.failures.push_back(
          fmt::format("{} changed while it was read; run again", display_path(item.source)));
      return core::ok();
    }
    ++m_summary.files_sent;
    m_summary.bytes_sent += sent.sent;
    if (m_options.verify) {
      m_sent_hashes[dest] = sent.sha256;
    }
    return core::ok();
  }

  core::Result<void> verify() {
    std::vector<std::string> paths;
    for (const auto& [path, hash] : m_sent_hashes) {
      paths.push_back(path);
    }
    EC2DL_TRY_ASSIGN(const auto remote, remote_hashes(m_session, paths));
    std::vector<std::string> bad;
    for (const auto& [path, hash] : m_sent_hashes) {
      const auto it = remote.find(path);
      if (it == remote.end() || it->second != hash) {
        bad.push_back(path);
        m_summary.failures.push_back(
            fmt::format("checksum mismatch on the server: {} (run again to send it again)",
                        display_path(path)));
      }
    }
    if (!bad.empty()) {
      EC2DL_TRY(remote_reset_mtimes(m_session, bad));
    }
    m_summary.verified = bad.empty();
    return core::ok();
  }

  ssh::Session& m_session;
  const Layout& m_layout;
  const Plan& m_plan;
  const SyncOptions& m_options;
  Summary& m_summary;
  Progress m_progress;
  RateLimiter m_limiter;
  std::string m_buffer = std::string(256 * 1024, '\0');
  std::map<std::string, std::string> m_sent_hashes;  // server path -> SHA-256 of what was sent
};

}  // namespace

core::Result<Summary> run_push(ssh::Session& session, const PreparedPush& prepared) {
  const auto start_ms = util::monotonic_ms();
  const auto& request = prepared.request;
  const auto& options = request.options;
  const auto& roots = prepared.roots;
  Summary summary;
  summary.direction = "push";
  summary.dry_run = options.dry_run;
  summary.warnings = prepared.warnings;

  // One round trip: the destination itself, and each source's counterpart below it.
  remote::ManifestQuery query;
  query.requests = remote::manifest_request(remote::RequestKind::stat, 0, request.dest);
  std::vector<std::string> prefixes;
  for (std::size_t r = 0; r < roots.size(); ++r) {
    const auto& root = roots[r];
    const bool contents = root.contents && root.entries.front().info.type == FileType::dir;
    prefixes.push_back(contents ? "" : base_name(root.path));
    query.requests += remote::manifest_request(remote::RequestKind::tree, r + 1,
                                               join_path(request.dest, prefixes.back()));
  }
  EC2DL_TRY_ASSIGN(const auto manifest, fetch_manifest(session, query));
  const remote::ManifestRoot* dest_info = nullptr;
  for (const auto& mroot : manifest.roots) {
    if (mroot.request == 0 && !mroot.entries.empty()) {
      dest_info = &mroot;
    }
  }
  const bool dest_exists = dest_info != nullptr;
  const bool dest_is_dir = dest_exists && dest_info->entries.front().info.type == FileType::dir;
  const auto layout = make_layout(roots, request.dest, dest_is_dir, dest_exists);
  if (!layout.problems.empty()) {
    return fail(ErrorKind::transfer, "push: " + list_problems(layout.problems));
  }

  DestTree tree;
  if (layout.renamed) {
    if (dest_exists) {
      tree[layout.items.front().rel] = dest_info->entries.front().info;
    }
  } else {
    for (const auto& mroot : manifest.roots) {
      if (mroot.request == 0 || mroot.request > roots.size()) {
        continue;
      }
      const auto r = mroot.request - 1;
      for (const auto& e : mroot.entries) {
        if (e.rel.empty()) {
          if (!prefixes[r].empty()) {
            tree[prefixes[r]] = e.info;
          }
          continue;
        }
        if (roots[r].rules.excluded(e.rel, e.info.type == FileType::dir)) {
          continue;
        }
        tree[join_path(prefixes[r], e.rel)] = e.info;
      }
    }
  }
  if (options.delete_extra && dest_exists && mirrors_home(layout, dest_info->path, manifest.home)) {
    return fail(ErrorKind::usage,
                "push: refusing --delete with a folder's contents onto the whole home folder",
                "push into a subfolder (ec2dl push dir/ ~/dir --delete), or drop --delete");
  }

  EC2DL_TRY_ASSIGN(const auto plan, plan_into(summary, session, layout, tree, options, false));
  if (!options.dry_run) {
    Pusher pusher(session, layout, plan, options, summary);
    EC2DL_TRY(pusher.run());
  }
  summary.seconds = static_cast<double>(util::monotonic_ms() - start_ms) / 1000.0;
  return summary;
}

}  // namespace ec2dl::transfer

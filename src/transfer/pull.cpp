// pull: files and folders (or remote globs, or a job's files) from the server. One round
// trip lists the sources, the planner decides against the local destination, then one tar
// stream brings the small files and each large file comes on its own resumable channel.
// Every file is written under a temporary name beside its destination and renamed into
// place when complete. What to ask the server and what its answer means: pull_plan.cpp.
#include "ec2dl/transfer/pull.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "ec2dl/remote/script.hpp"
#include "ec2dl/remote/scripts.hpp"
#include "ec2dl/transfer/hash.hpp"
#include "ec2dl/transfer/local_file.hpp"
#include "ec2dl/transfer/local_scan.hpp"
#include "ec2dl/transfer/progress.hpp"
#include "ec2dl/transfer/pull_plan.hpp"
#include "ec2dl/transfer/remote_command.hpp"
#include "ec2dl/transfer/remote_files.hpp"
#include "ec2dl/transfer/sync.hpp"
#include "ec2dl/transfer/tar.hpp"
#include "ec2dl/util/fs.hpp"
#include "ec2dl/util/strings.hpp"
#include "ec2dl/util/time.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;

namespace {

// A large file is fetched over this many channels at once, from this size on.
constexpr std::uint64_t k_ranges = 4;
constexpr std::uint64_t k_parallel_size = 64u << 20;
// Beside a multi-channel pull's partial file: the ranges still to fetch, saved every
// k_save_every bytes, so that a client killed outright resumes them.
constexpr char k_ranges_suffix[] = ".ranges";
constexpr std::uint64_t k_save_every = 4u << 20;

class Puller {
 public:
  Puller(ssh::Session& session, const Layout& layout, const Plan& plan, const SyncOptions& options,
         Summary& summary)
      : m_session(session),
        m_layout(layout),
        m_plan(plan),
        m_options(options),
        m_summary(summary),
        m_progress(options.progress, plan.bytes_to_send, plan.count(Action::send)),
        m_limiter(options.bwlimit) {}

  core::Result<void> run() {
    std::error_code ec;
    std::filesystem::create_directories(m_layout.dest_root, ec);
    if (ec) {
      return fail(ErrorKind::transfer,
                  fmt::format("create {}: {}", display_path(m_layout.dest_root), ec.message()));
    }
    std::vector<std::size_t> small;
    std::vector<std::size_t> large;
    for (std::size_t s = 0; s < m_plan.steps.size(); ++s) {
      const auto& step = m_plan.steps[s];
      const auto& item = m_layout.items[step.item];
      switch (step.action) {
        case Action::remove:
          break;
        case Action::mkdir:
          EC2DL_TRY(make_dir(step));
          break;
        case Action::link:
          EC2DL_TRY(make_link(step));
          break;
        case Action::send:
          (item.info.size >= k_resumable_size ? large : small).push_back(s);
          break;
        default:
          break;
      }
    }
    if (!small.empty()) {
      EC2DL_TRY(fetch_stream(small));
    }
    for (const auto s : large) {
      EC2DL_TRY(fetch_large(m_plan.steps[s]));
    }
    for (const auto& step : m_plan.steps) {
      if (step.action == Action::attrs || step.action == Action::dir_attrs) {
        const auto& item = m_layout.items[step.item];
        if (const int err = set_attrs(local_path(step.rel), item.info.mode, item.info.mtime);
            err != 0) {
          m_summary.warnings.push_back(fmt::format("set mode and time of {}: {}",
                                                   display_path(local_path(step.rel)),
                                                   std::strerror(err)));
        } else if (step.action == Action::attrs || step.why == "mode" || step.why == "mtime") {
          ++m_summary.attrs_updated;
        }
      }
    }
    m_progress.clear();
    if (m_options.verify) {
      EC2DL_TRY(verify());
    }
    return core::ok();
  }

  // Removals come first (a folder in the way of a file, --delete).
  core::Result<void> remove_first() {
    for (const auto& rel : topmost_removals(m_plan)) {
      const auto path = local_path(rel);
      if (const int err = remove_tree(path); err != 0) {
        return fail(ErrorKind::transfer,
                    fmt::format("remove {}: {}", display_path(path), std::strerror(err)));
      }
    }
    return core::ok();
  }

 private:
  std::string local_path(const std::string& rel) const {
    return join_path(m_layout.dest_root, rel);
  }

  void visit_dir(const std::string& final_path) {
    auto dir = parent_path(final_path);
    if (dir.empty()) {
      dir = ".";
    }
    if (m_visited.insert(dir).second) {
      remove_stale_temps(dir);
    }
  }

  core::Result<void> make_dir(const Step& step) {
    const auto path = local_path(step.rel);
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return fail(write_error(path, errno));
    }
    ++m_summary.dirs_created;
    return core::ok();
  }

  core::Result<void> make_link(const Step& step) {
    const auto& item = m_layout.items[step.item];
    const auto path = local_path(step.rel);
    const auto temp = join_path(parent_path(path).empty() ? "." : parent_path(path),
                                fmt::format(".ec2dl-tmp.{}.link{}", ::getpid(), m_links++));
    if (::symlink(item.info.link.c_str(), temp.c_str()) != 0) {
      return fail(write_error(path, errno));
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return fail(write_error(path, err));
    }
    ++m_summary.links;
    return core::ok();
  }

  core::Result<void> fetch_stream(const std::vector<std::size_t>& steps) {
    std::unordered_map<std::string, std::size_t> wanted;  // server path -> step
    std::string list;
    for (const auto s : steps) {
      const auto& item = m_layout.items[m_plan.steps[s].item];
      wanted.emplace(item.source, s);
      list += item.source;
      list += '\0';
    }
    std::deque<std::string> queue;
    const remote::ScriptCall call{
        remote::scripts::xfer_send, {m_options.follow_symlinks ? "1" : "0"}, {}};
    auto enqueue = [&queue](std::string_view data) { queue.emplace_back(data); };
    EC2DL_TRY_ASSIGN(auto cmd, RemoteCommand::start(m_session, call, enqueue));
    EC2DL_TRY(cmd.write(list));
    EC2DL_TRY(cmd.close_input());
    std::string current;
    auto reader = TarReader::open([&]() -> core::Result<std::string_view> {
      while (queue.empty()) {
        if (cmd.closed()) {
          return std::string_view();
        }
        EC2DL_TRY(cmd.pump(200));
      }
      current = std::move(queue.front());
      queue.pop_front();
      m_limiter.consume(current.size());
      return std::string_view(current);
    });
    if (!reader) {
      return fail(stream_error(cmd, reader.error()));
    }
    std::set<std::size_t> received;
    while (true) {
      auto entry = reader->next();
      if (!entry) {
        return fail(stream_error(cmd, entry.error()));
      }
      if (!entry->has_value()) {
        break;
      }
      const auto& e = **entry;
      const auto it = wanted.find(e.path);
      if (it == wanted.end() || e.info.type != FileType::file || received.contains(it->second)) {
        continue;  // not asked for: its data is skipped
      }
      const auto& step = m_plan.steps[it->second];
      const auto path = local_path(step.rel);
      visit_dir(path);
      EC2DL_TRY_ASSIGN(auto file, LocalFile::create(path));
      std::uint64_t got = 0;
      Sha256 hash;
      while (true) {
        auto data = reader->read_data();
        if (!data) {
          return fail(stream_error(cmd, data.error()));
        }
        if (data->empty()) {
          break;
        }
        EC2DL_TRY(file.write(*data));
        if (m_options.verify) {
          hash.update(*data);
        }
        got += data->size();
        m_progress.add_bytes(data->size());
      }
      EC2DL_TRY(file.commit(e.info.mode, e.info.mtime));
      received.insert(it->second);
      m_progress.add_file();
      ++m_summary.files_sent;
      m_summary.bytes_sent += got;
      if (m_options.verify) {
        m_sent_hashes[m_layout.items[step.item].source] = {path, hash.hex()};
      }
    }
    EC2DL_TRY_ASSIGN(const auto status, cmd.wait());
    const auto err = cmd.error_text();
    if (status.code && *status.code == 5) {
      return fail(remote_failure("pull", status, err));
    }
    // GNU tar pads a file that shrank while it was read: such a copy is not kept as valid.
    for (const auto& line : util::split(err, '\n')) {
      const auto mark = line.find(": File shrank by ");
      if (!line.starts_with("tar: ") || mark == std::string::npos) {
        continue;
      }
      const auto it = wanted.find(line.substr(5, mark - 5));
      if (it != wanted.end()) {
        const auto path = local_path(m_plan.steps[it->second].rel);
        set_attrs(path, m_layout.items[m_plan.steps[it->second].item].info.mode, 0);
        m_summary.failures.push_back(fmt::format(
            "{} shrank on the server while it was read; run again", display_path(path)));
      }
    }
    for (const auto s : steps) {
      if (!received.contains(s)) {
        m_summary.failures.push_back(
            fmt::format("could not read {} on the server",
                        display_path(m_layout.items[m_plan.steps[s].item].source)));
      }
    }
    if (received.size() < steps.size() && !err.empty()) {
      m_summary.warnings.push_back("the server said: " + err);
    }
    return core::ok();
  }

  // The error to report when reading the tar stream failed: the server's own message when
  // xfer_send.sh ended with one, else `error` (interrupted, connection lost).
  core::Error stream_error(RemoteCommand& cmd, const core::Error& error) {
    if (error.kind() == ErrorKind::interrupted || !m_session.connected() || !cmd.closed()) {
      return error;
    }
    auto status = cmd.wait();
    if (status && status->shell_status() != 0 && !cmd.error_text().empty()) {
      return remote_failure("pull", *status, cmd.error_text());
    }
    return error;
  }

  // A large file comes in up to k_ranges contiguous ranges over as many channels at once
  // (one channel is capped by libssh's fixed receive window on links with latency), each
  // written in place into a partial file beside the destination. After a failure the
  // partial file is cut to the prefix that is known complete, for the next run to resume.
  core::Result<void> fetch_large(const Step& step) {
    const auto& item = m_layout.items[step.item];
    const auto path = local_path(step.rel);
    visit_dir(path);
    auto dir = parent_path(path);
    if (dir.empty()) {
      dir = ".";
    }
    const auto part_file = part_name(path, item.info.size, item.info.mtime);
    const auto part = join_path(dir, part_file);
    const auto state = part + k_ranges_suffix;
    remove_older_parts(dir, part_file);
    std::uint64_t have = 0;
    std::string have_hash = "-";
    struct stat st {};
    const bool part_found = ::lstat(part.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
                            static_cast<std::uint64_t>(st.st_size) <= item.info.size;
    // A run that could not cut its partial file to a prefix (killed outright) left the ranges
    // still to fetch: what lies before the first of them is checked with the server as a
    // prefix is, and the ranges are fetched as they were.
    auto saved = part_found ? load_ranges(state, item.info.size) : std::nullopt;
    if (saved) {
      have = saved->front().start;
      if (have > 0) {
        if (auto h = sha256_file(part, have)) {
          have_hash = *h;
        } else {
          saved.reset();
        }
      }
    } else if (part_found && static_cast<std::uint64_t>(st.st_size) < item.info.size &&
               st.st_size > 0) {
      if (auto h = sha256_file(part)) {
        have = static_cast<std::uint64_t>(st.st_size);
        have_hash = *h;
      }
    }
    util::UniqueFd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) {
      return fail(write_error(path, errno));
    }
    // Where to start: what the server confirms of the partial file (one round trip).
    std::uint64_t offset = 0;
    if (have > 0) {
      EC2DL_TRY_ASSIGN(offset, resume_offset(item.source, have, have_hash, fd.get()));
    }
    std::vector<Range> ranges;
    if (saved && offset == have) {
      std::uint64_t missing = 0;
      for (const auto& r : *saved) {
        missing += r.length;
      }
      ranges = std::move(*saved);
      m_summary.bytes_resumed += item.info.size - missing;
      m_progress.add_bytes(item.info.size - missing);
    } else {
      if (::ftruncate(fd.get(), static_cast<off_t>(offset)) != 0) {
        return fail(write_error(path, errno));
      }
      m_summary.bytes_resumed += offset;
      m_progress.add_bytes(offset);
      const std::uint64_t rest = item.info.size - offset;
      const std::uint64_t count = rest >= k_parallel_size ? k_ranges : 1;
      for (std::uint64_t i = 0; i < count; ++i) {
        const auto begin = offset + rest * i / count;
        const auto end = offset + rest * (i + 1) / count;
        ranges.push_back(Range{begin, end - begin});
      }
    }
    const std::uint64_t rest = [&] {
      std::uint64_t n = 0;
      for (const auto& r : ranges) {
        n += r.length;
      }
      return n;
    }();
    m_state_path = ranges.size() > 1 ? state : std::string();
    m_state_size = item.info.size;
    m_since_saved = 0;
    if (!m_state_path.empty()) {
      save_ranges(m_state_path, m_state_size, ranges);
    }
    auto fetched = fetch_ranges(item.source, ranges, fd.get());
    m_state_path.clear();
    if (!fetched || *fetched != item.info.size) {
      // Keep what is known complete, in order from the start, for the next run.
      std::uint64_t valid = offset;
      for (const auto& r : ranges) {
        valid = r.start + r.done;  // what lies between saved ranges is complete
        if (r.done < r.length) {
          break;
        }
      }
      // The prefix now says it all: the saved ranges are no longer needed.
      ::unlink(state.c_str());
      if (!fetched && fetched.error().message().starts_with("disk full")) {
        fd.reset();
        ::unlink(part.c_str());  // nothing to resume into a full disk
      } else if (::ftruncate(fd.get(), static_cast<off_t>(valid)) != 0) {
        ::unlink(part.c_str());
      }
      if (!fetched) {
        return fail(fetched.error());
      }
      fd.reset();
      ::unlink(part.c_str());
      m_summary.failures.push_back(fmt::format(
          "{} changed on the server during the transfer; run again", display_path(item.source)));
      return core::ok();
    }
    ::unlink(state.c_str());
    const timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(item.info.mtime), 0}};
    if (::fchmod(fd.get(), static_cast<mode_t>(item.info.mode & 07777)) != 0 ||
        ::futimens(fd.get(), times) != 0 || ::close(fd.release()) != 0 ||
        ::rename(part.c_str(), path.c_str()) != 0) {
      return fail(write_error(path, errno));
    }
    m_progress.add_file();
    ++m_summary.files_sent;
    m_summary.bytes_sent += rest;
    if (m_options.verify) {
      auto h = sha256_file(path);
      m_sent_hashes[item.source] = {path, h ? *h : std::string()};
    }
    return core::ok();
  }

  struct Range {
    std::uint64_t start = 0;
    std::uint64_t length = 0;
    std::uint64_t done = 0;
  };

  // The ranges of a multi-channel pull still to fetch, "ec2dl-ranges SIZE" then one
  // "BEGIN END" line each, saved beside the partial file (replaced by a rename) at the start
  // and every k_save_every bytes received.
  static void save_ranges(const std::string& path, std::uint64_t size,
                          const std::vector<Range>& ranges) {
    std::string text = fmt::format("ec2dl-ranges {}\n", size);
    for (const auto& r : ranges) {
      if (r.done < r.length) {
        text += fmt::format("{} {}\n", r.start + r.done, r.start + r.length);
      }
    }
    const auto tmp = path + ".tmp";
    util::UniqueFd fd(
        ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid() || util::write_all(fd.get(), text) != 0) {
      ::unlink(tmp.c_str());
      return;
    }
    fd.reset();
    ::rename(tmp.c_str(), path.c_str());
  }

  // The saved ranges of a file of `size` bytes: ascending, apart, inside the file; nullopt
  // when there are none or they do not make sense.
  static std::optional<std::vector<Range>> load_ranges(const std::string& path,
                                                       std::uint64_t size) {
    const auto text = util::read_file(path, 64 * 1024);
    if (!text) {
      return std::nullopt;
    }
    const auto lines = util::split(*text, '\n');
    if (lines.empty() || lines.front() != fmt::format("ec2dl-ranges {}", size)) {
      return std::nullopt;
    }
    std::vector<Range> out;
    std::uint64_t last_end = 0;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty()) {
        continue;
      }
      const auto words = util::split(lines[i], ' ');
      const auto b = words.size() == 2 ? util::parse_uint(words[0]) : std::nullopt;
      const auto e = words.size() == 2 ? util::parse_uint(words[1]) : std::nullopt;
      if (!b || !e || *b >= *e || *e > size || *b < last_end || out.size() >= 64) {
        return std::nullopt;
      }
      out.push_back(Range{*b, *e - *b});
      last_end = *e;
    }
    if (out.empty()) {
      return std::nullopt;
    }
    return out;
  }
  struct RangeStart {
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
  };

  // Asks xfer_get.sh where a resumed transfer starts: `have` when the server's first bytes
  // still have the partial file's `hash`, else 0 (one round trip, no data).
  core::Result<std::uint64_t> resume_offset(const std::string& source, std::uint64_t have,
                                            const std::string& hash, int fd) {
    std::vector<Range> header_only{Range{have, 0, 0}};
    RangeStart start;
    EC2DL_TRY(run_ranges(source, header_only, fd, &start, hash));
    return start.offset;
  }

  // Fetches the ranges over one channel each, all at once; returns the file's size on the
  // server (which must still be the planned one for the copy to be kept).
  core::Result<std::uint64_t> fetch_ranges(const std::string& source, std::vector<Range>& ranges,
                                           int fd) {
    RangeStart start;
    EC2DL_TRY(run_ranges(source, ranges, fd, &start, "="));
    for (const auto& range : ranges) {
      if (range.done != range.length) {
        return fail(ErrorKind::transfer,
                    fmt::format("pull {}: the server sent too few bytes; run again to resume",
                                display_path(source)));
      }
    }
    return start.size;
  }

  core::Result<void> run_ranges(const std::string& source, std::vector<Range>& ranges, int fd,
                                RangeStart* start, const std::string& hash) {
    struct Stream {
      std::string header;
      bool started = false;
      std::uint64_t position = 0;
    };
    std::vector<Stream> streams(ranges.size());
    std::optional<core::Error> failed;
    std::vector<RemoteCommand> cmds;
    for (std::size_t i = 0; i < ranges.size(); ++i) {
      const auto& range = ranges[i];
      const remote::ScriptCall call{
          remote::scripts::xfer_get,
          {source, std::to_string(range.start), hash, std::to_string(range.length)},
          {}};
      auto on_data = [&, i](std::string_view data) {
        auto& s = streams[i];
        auto& rg = ranges[i];
        if (failed) {
          return;
        }
        if (!s.started) {
          s.header.append(data);
          const auto nl = s.header.find('\n');
          if (nl == std::string::npos) {
            return;
          }
          s.started = true;
          const auto words = util::split(s.header.substr(0, nl), ' ');
          const auto o = words.size() == 2 ? util::parse_uint(words[0]) : std::nullopt;
          const auto z = words.size() == 2 ? util::parse_uint(words[1]) : std::nullopt;
          if (!o || !z) {
            failed = core::Error(ErrorKind::remote, "unexpected answer from the server");
            return;
          }
          start->offset = *o;
          start->size = *z;
          s.position = *o;
          data = std::string_view(s.header).substr(nl + 1);
        }
        const auto take = std::min<std::uint64_t>(data.size(), rg.length - rg.done);
        if (take == 0) {
          return;
        }
        m_limiter.consume(take);
        const char* p = data.data();
        std::uint64_t left = take;
        while (left > 0) {
          const ssize_t n =
              ::pwrite(fd, p, static_cast<std::size_t>(left), static_cast<off_t>(s.position));
          if (n < 0 && errno == EINTR) {
            continue;
          }
          if (n <= 0) {
            failed = write_error(source, n < 0 ? errno : ENOSPC);
            return;
          }
          p += n;
          left -= static_cast<std::uint64_t>(n);
          s.position += static_cast<std::uint64_t>(n);
        }
        rg.done += take;
        m_progress.add_bytes(take);
        m_since_saved += take;
        if (!m_state_path.empty() && m_since_saved >= k_save_every) {
          m_since_saved = 0;
          save_ranges(m_state_path, m_state_size, ranges);
        }
      };
      EC2DL_TRY_ASSIGN(auto cmd, RemoteCommand::start(m_session, call, on_data));
      EC2DL_TRY(cmd.close_input());
      cmds.push_back(std::move(cmd));
    }
    while (!failed) {
      RemoteCommand* open = nullptr;
      for (auto& c : cmds) {
        if (!c.closed()) {
          open = &c;
          break;
        }
      }
      if (open == nullptr) {
        break;
      }
      EC2DL_TRY(open->pump(200));
    }
    if (failed) {
      return fail(*failed);
    }
    for (auto& c : cmds) {
      EC2DL_TRY_ASSIGN(const auto status, c.wait());
      if (status.shell_status() != 0) {
        return fail(
            remote_failure(fmt::format("pull {}", display_path(source)), status, c.error_text()));
      }
    }
    return core::ok();
  }

  static void remove_older_parts(const std::string& dir, const std::string& part_file) {
    const auto key = part_file.substr(0, part_file.rfind('.'));
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const auto name = entry.path().filename().string();
      if (name != part_file && name != part_file + k_ranges_suffix && name.starts_with(key + ".")) {
        std::filesystem::remove(entry.path(), ec);
      }
    }
  }

  core::Result<void> verify() {
    std::vector<std::string> paths;
    for (const auto& [source, local] : m_sent_hashes) {
      paths.push_back(source);
    }
    EC2DL_TRY_ASSIGN(const auto remote, remote_hashes(m_session, paths));
    bool all = true;
    for (const auto& [source, local] : m_sent_hashes) {
      const auto it = remote.find(source);
      if (it == remote.end() || it->second != local.second) {
        all = false;
        set_attrs(local.first, 0600, 0);
        m_summary.failures.push_back(fmt::format(
            "checksum mismatch: {} (run again to fetch it again)", display_path(local.first)));
      }
    }
    m_summary.verified = all;
    return core::ok();
  }

  ssh::Session& m_session;
  const Layout& m_layout;
  const Plan& m_plan;
  const SyncOptions& m_options;
  Summary& m_summary;
  Progress m_progress;
  RateLimiter m_limiter;
  std::set<std::string> m_visited;
  unsigned m_links = 0;
  // The saved ranges of the multi-channel pull under way ("" when none).
  std::string m_state_path;
  std::uint64_t m_state_size = 0;
  std::uint64_t m_since_saved = 0;
  // server path -> (local path, SHA-256 of what was written)
  std::map<std::string, std::pair<std::string, std::string>> m_sent_hashes;
};

}  // namespace

core::Result<Summary> run_pull(ssh::Session& session, const PullRequest& request) {
  const auto start_ms = util::monotonic_ms();
  const auto& options = request.options;
  Summary summary;
  summary.direction = "pull";
  summary.dry_run = options.dry_run;

  EC2DL_TRY_ASSIGN(const auto manifest, fetch_manifest(session, pull_query(request)));
  auto sources = pull_sources(request, manifest);
  if (!sources.usage_problem.empty()) {
    return fail(ErrorKind::usage, "pull: " + sources.usage_problem);
  }
  if (!sources.problems.empty()) {
    return fail(ErrorKind::not_found, "pull: " + list_problems(sources.problems));
  }
  summary.warnings = std::move(sources.warnings);
  const auto& roots = sources.roots;

  const auto dest_local = util::expand_tilde(sources.dest);
  struct stat dst {};
  const bool dest_exists = ::stat(dest_local.c_str(), &dst) == 0;
  const bool dest_is_dir = dest_exists && S_ISDIR(dst.st_mode);
  auto layout = make_layout(roots, dest_local, dest_is_dir, dest_exists);
  if (!layout.problems.empty()) {
    return fail(ErrorKind::transfer, "pull: " + list_problems(layout.problems));
  }
  std::erase_if(layout.mirrored, [&](const auto& m) { return !roots[m.second].complete; });

  DestTree tree;
  if (options.delete_extra) {
    std::set<std::string> scanned;
    for (const auto& [folder, r] : layout.mirrored) {
      const auto path = join_path(layout.dest_root, folder);
      if (!scanned.insert(path).second) {
        continue;
      }
      auto scan = scan_local(path, {});
      for (const auto& e : scan.entries) {
        const auto rel = join_path(folder, e.rel);
        if (rel.empty() || roots[r].rules.excluded(e.rel, e.info.type == FileType::dir)) {
          continue;
        }
        tree[rel] = e.info;
      }
    }
  }
  // Whether rel's folder is a real folder inside the destination: a path through a local
  // symlink (or a file) names something outside it, which --delete must never list.
  std::map<std::string, bool> real_dirs;
  std::function<bool(const std::string&)> inside = [&](const std::string& rel) {
    const auto parent = parent_path(rel);
    if (parent.empty()) {
      return true;
    }
    if (const auto it = real_dirs.find(parent); it != real_dirs.end()) {
      return it->second;
    }
    struct stat st {};
    const bool real = inside(parent) &&
                      ::lstat(join_path(layout.dest_root, parent).c_str(), &st) == 0 &&
                      S_ISDIR(st.st_mode);
    real_dirs[parent] = real;
    return real;
  };
  for (const auto& item : layout.items) {
    if (tree.contains(item.rel) || !inside(item.rel)) {
      continue;
    }
    const auto path = join_path(layout.dest_root, item.rel);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      auto info = file_info_from_stat(st);
      if (info.type == FileType::symlink) {
        info.link.resize(PATH_MAX);
        const auto len = ::readlink(path.c_str(), info.link.data(), info.link.size());
        info.link.resize(len > 0 ? static_cast<std::size_t>(len) : 0);
      }
      tree[item.rel] = info;
      if (info.type == FileType::dir && item.info.type != FileType::dir) {
        // A folder in the way: what it holds is listed for --delete.
        auto scan = scan_local(path, {});
        for (const auto& e : scan.entries) {
          if (!e.rel.empty()) {
            tree[join_path(item.rel, e.rel)] = e.info;
          }
        }
      }
    }
  }
  if (options.delete_extra) {
    char resolved[PATH_MAX];
    const auto abs = ::realpath(layout.dest_root.c_str(), resolved) != nullptr
                         ? std::string(resolved)
                         : layout.dest_root;
    if (mirrors_home(layout, abs, util::home_dir())) {
      return fail(ErrorKind::usage,
                  "pull: refusing --delete with a folder's contents onto your whole home folder",
                  "pull into a subfolder, or drop --delete");
    }
  }

  EC2DL_TRY_ASSIGN(const auto plan, plan_into(summary, session, layout, tree, options, true));
  if (!options.dry_run) {
    Puller puller(session, layout, plan, options, summary);
    EC2DL_TRY(puller.remove_first());
    EC2DL_TRY(puller.run());
  }
  summary.seconds = static_cast<double>(util::monotonic_ms() - start_ms) / 1000.0;
  return summary;
}

}  // namespace ec2dl::transfer

#include "ec2dl/transfer/tar.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include "ec2dl/util/handle.hpp"

namespace ec2dl::transfer {

using core::ErrorKind;
using core::fail;
using remote::FileType;

namespace {

using ArchiveHandle = util::CHandle<archive*, archive_free>;
using EntryHandle = util::CHandle<archive_entry*, archive_entry_free>;

std::string archive_message(archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? s : "unknown archive error";
}

}  // namespace

struct TarWriter::State {
  Sink sink;
  std::optional<core::Error> sink_error;
  ArchiveHandle archive;
  EntryHandle entry{archive_entry_new()};
  bool closed = false;

  // The sink's own error when it stopped the archive, else libarchive's, after `what`.
  core::Error failure(std::string_view what) const {
    if (sink_error) {
      return *sink_error;
    }
    return {ErrorKind::transfer, fmt::format("{}: {}", what, archive_message(archive.get()))};
  }
};

namespace {

la_ssize_t write_callback(archive* /*a*/, void* client, const void* buffer, size_t length) {
  auto* st = static_cast<TarWriter::State*>(client);
  if (st->sink_error) {
    return -1;
  }
  auto r = st->sink(std::string_view(static_cast<const char*>(buffer), length));
  if (!r) {
    st->sink_error = r.error();
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

}  // namespace

TarWriter::TarWriter(std::unique_ptr<State> state) : m_state(std::move(state)) {}
TarWriter::TarWriter(TarWriter&&) noexcept = default;
TarWriter& TarWriter::operator=(TarWriter&&) noexcept = default;
TarWriter::~TarWriter() = default;

core::Result<TarWriter> TarWriter::open(Sink sink) {
  auto st = std::make_unique<State>();
  st->sink = std::move(sink);
  st->archive.reset(archive_write_new());
  archive* a = st->archive.get();
  if (a == nullptr || archive_write_set_format_gnutar(a) != ARCHIVE_OK ||
      archive_write_add_filter_none(a) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a, 64 * 1024) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK) {
    return fail(ErrorKind::internal, "cannot set up a tar writer");
  }
  if (archive_write_open(a, st.get(), nullptr, write_callback, nullptr) != ARCHIVE_OK) {
    return fail(st->failure("start the archive"));
  }
  return TarWriter(std::move(st));
}

core::Result<void> TarWriter::header(std::string_view name, FileType type, std::uint64_t size,
                                     std::uint32_t mode, std::int64_t mtime,
                                     std::string_view link) {
  auto& st = *m_state;
  archive_entry* e = st.entry.get();
  archive_entry_clear(e);
  const std::string path(name);
  archive_entry_copy_pathname(e, path.c_str());
  switch (type) {
    case FileType::dir:
      archive_entry_set_filetype(e, AE_IFDIR);
      archive_entry_set_size(e, 0);
      break;
    case FileType::symlink: {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_size(e, 0);
      const std::string target(link);
      archive_entry_copy_symlink(e, target.c_str());
      break;
    }
    default:
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_size(e, static_cast<la_int64_t>(size));
      break;
  }
  archive_entry_set_perm(e, static_cast<mode_t>(mode & 07777));
  archive_entry_set_mtime(e, static_cast<time_t>(mtime), 0);
  if (archive_write_header(st.archive.get(), e) < ARCHIVE_WARN) {
    return fail(st.failure(fmt::format("archive {}", path)));
  }
  return core::ok();
}

core::Result<void> TarWriter::begin_file(std::string_view name, std::uint64_t size,
                                         std::uint32_t mode, std::int64_t mtime) {
  return header(name, FileType::file, size, mode, mtime, {});
}

core::Result<void> TarWriter::write_data(std::string_view data) {
  while (!data.empty()) {
    const la_ssize_t n = archive_write_data(m_state->archive.get(), data.data(), data.size());
    if (n <= 0) {
      return fail(m_state->failure("write to the archive"));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return core::ok();
}

core::Result<void> TarWriter::add_file(std::string_view name, std::string_view content,
                                       std::uint32_t mode, std::int64_t mtime) {
  EC2DL_TRY(begin_file(name, content.size(), mode, mtime));
  return write_data(content);
}

core::Result<void> TarWriter::add_symlink(std::string_view name, std::string_view target,
                                          std::uint32_t mode, std::int64_t mtime) {
  return header(name, FileType::symlink, 0, mode, mtime, target);
}

core::Result<void> TarWriter::add_dir(std::string_view name, std::uint32_t mode,
                                      std::int64_t mtime) {
  return header(name, FileType::dir, 0, mode, mtime, {});
}

core::Result<void> TarWriter::close() {
  if (m_state->closed) {
    return core::ok();
  }
  m_state->closed = true;
  if (archive_write_close(m_state->archive.get()) != ARCHIVE_OK) {
    return fail(m_state->failure("finish the archive"));
  }
  return core::ok();
}

struct TarReader::State {
  Source source;
  std::optional<core::Error> source_error;
  ArchiveHandle archive;
  std::string buffer = std::string(256 * 1024, '\0');

  // The source's own error when it failed, else libarchive's, after `what`.
  core::Error failure(std::string_view what) const {
    if (source_error) {
      return *source_error;
    }
    return {ErrorKind::transfer, fmt::format("{}: {}", what, archive_message(archive.get()))};
  }
};

namespace {

la_ssize_t read_callback(archive* /*a*/, void* client, const void** buffer) {
  auto* st = static_cast<TarReader::State*>(client);
  auto chunk = st->source();
  if (!chunk) {
    st->source_error = chunk.error();
    return -1;
  }
  *buffer = chunk->data();
  return static_cast<la_ssize_t>(chunk->size());
}

}  // namespace

TarReader::TarReader(std::unique_ptr<State> state) : m_state(std::move(state)) {}
TarReader::TarReader(TarReader&&) noexcept = default;
TarReader& TarReader::operator=(TarReader&&) noexcept = default;
TarReader::~TarReader() = default;

core::Result<TarReader> TarReader::open(Source source) {
  auto st = std::make_unique<State>();
  st->source = std::move(source);
  st->archive.reset(archive_read_new());
  archive* a = st->archive.get();
  if (a == nullptr || archive_read_support_format_tar(a) != ARCHIVE_OK) {
    return fail(ErrorKind::internal, "cannot set up a tar reader");
  }
  if (archive_read_open(a, st.get(), nullptr, read_callback, nullptr) != ARCHIVE_OK) {
    return fail(st->failure("read the archive from the server"));
  }
  return TarReader(std::move(st));
}

core::Result<std::optional<TarEntry>> TarReader::next() {
  archive_entry* e = nullptr;
  const int rc = archive_read_next_header(m_state->archive.get(), &e);
  if (rc == ARCHIVE_EOF) {
    return std::optional<TarEntry>{};
  }
  if (rc < ARCHIVE_WARN) {
    return fail(m_state->failure("read the archive from the server"));
  }
  TarEntry entry;
  const char* path = archive_entry_pathname(e);
  entry.path = path != nullptr ? path : "";
  const auto type = archive_entry_filetype(e);
  entry.info.type = type == AE_IFREG   ? FileType::file
                    : type == AE_IFDIR ? FileType::dir
                    : type == AE_IFLNK ? FileType::symlink
                                       : FileType::other;
  entry.info.size = static_cast<std::uint64_t>(archive_entry_size(e));
  entry.info.mode = static_cast<std::uint32_t>(archive_entry_perm(e)) & 07777;
  entry.info.mtime = static_cast<std::int64_t>(archive_entry_mtime(e));
  if (const char* link = archive_entry_symlink(e); link != nullptr) {
    entry.info.link = link;
  }
  return std::optional<TarEntry>(std::move(entry));
}

core::Result<std::string_view> TarReader::read_data() {
  auto& st = *m_state;
  const la_ssize_t n = archive_read_data(st.archive.get(), st.buffer.data(), st.buffer.size());
  if (n < 0) {
    return fail(st.failure("read the archive from the server"));
  }
  return std::string_view(st.buffer.data(), static_cast<std::size_t>(n));
}

}  // namespace ec2dl::transfer

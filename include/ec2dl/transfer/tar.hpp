#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ec2dl/core/error.hpp"
#include "ec2dl/remote/manifest.hpp"

namespace ec2dl::transfer {

// Writes a GNU-format tar stream (what GNU tar reads natively: names of any bytes and any
// length, sizes over 8 GiB) into a sink, without holding file data in memory.
class TarWriter {
 public:
  // Receives each block of the archive; an error stops the archive and is returned by the
  // call that was writing.
  using Sink = std::function<core::Result<void>(std::string_view)>;

  static core::Result<TarWriter> open(Sink sink);
  TarWriter(TarWriter&&) noexcept;
  TarWriter& operator=(TarWriter&&) noexcept;
  ~TarWriter();

  // A regular file of `size` bytes: its data must follow through write_data, exactly size.
  core::Result<void> begin_file(std::string_view name, std::uint64_t size, std::uint32_t mode,
                                std::int64_t mtime);
  core::Result<void> write_data(std::string_view data);
  core::Result<void> add_file(std::string_view name, std::string_view content, std::uint32_t mode,
                              std::int64_t mtime);
  core::Result<void> add_symlink(std::string_view name, std::string_view target, std::uint32_t mode,
                                 std::int64_t mtime);
  core::Result<void> add_dir(std::string_view name, std::uint32_t mode, std::int64_t mtime);
  // Ends the archive (and flushes the last block).
  core::Result<void> close();

  struct State;

 private:
  explicit TarWriter(std::unique_ptr<State> state);
  core::Result<void> header(std::string_view name, remote::FileType type, std::uint64_t size,
                            std::uint32_t mode, std::int64_t mtime, std::string_view link);
  std::unique_ptr<State> m_state;
};

struct TarEntry {
  std::string path;  // byte for byte as archived
  remote::FileInfo info;
};

// Reads a tar stream from a source of chunks, one entry after another.
class TarReader {
 public:
  // Returns the next chunk of the stream; an empty chunk is the end. The chunk must stay
  // valid until the next call.
  using Source = std::function<core::Result<std::string_view>()>;

  static core::Result<TarReader> open(Source source);
  TarReader(TarReader&&) noexcept;
  TarReader& operator=(TarReader&&) noexcept;
  ~TarReader();

  // The next entry's header; nullopt at the end of the archive. A stream that stops early
  // is an error (kind transfer), never a clean end.
  core::Result<std::optional<TarEntry>> next();
  // The next piece of the current entry's data; an empty view at the end of the entry.
  core::Result<std::string_view> read_data();

  struct State;

 private:
  explicit TarReader(std::unique_ptr<State> state);
  std::unique_ptr<State> m_state;
};

}  // namespace ec2dl::transfer

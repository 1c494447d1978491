#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// Turning a job's log bytes into what the terminal shows. Pure and incremental: bytes may
// arrive split anywhere, even inside an escape sequence or a UTF-8 character.
namespace ec2dl::remote {

class LogFilter {
 public:
  enum class Mode {
    raw,       // bytes untouched
    lines,     // whole lines only; a line rewritten with '\r' shows its last state
    terminal,  // like lines, and a line still being rewritten is shown in place
  };
  // `width`: the terminal's columns, to keep an in-place line on one row (0: no limit).
  explicit LogFilter(Mode mode, std::size_t width = 0);

  // What to print for the next bytes of the log.
  std::string feed(std::string_view bytes);
  // What to print at the end: the last line's latest state when it has no '\n' yet.
  std::string finish();

 private:
  void end_segment_if_cr();
  std::string complete_line();
  void append_text(char c);

  Mode m_mode;
  std::size_t m_width;
  std::string m_segment;    // the current line after its last '\r'
  bool m_after_cr = false;  // a '\r' came last: the next byte decides ("\r\n" or rewrite)
  bool m_shown = false;     // the current line is on screen (terminal mode)
  std::string m_shown_text;
  enum class Esc { none, esc, csi, str, str_esc, intermediate } m_esc = Esc::none;
};

// Where the last `n` lines of `data` start (a last line without '\n' counts). nullopt when
// `data` holds fewer than n line starts and `at_file_start` is false (read more of the file).
std::optional<std::size_t> last_lines_start(std::string_view data, std::size_t n,
                                            bool at_file_start);

}  // namespace ec2dl::remote

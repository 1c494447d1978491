#include "ec2dl/remote/sections.hpp"

#include "ec2dl/util/strings.hpp"

namespace ec2dl::remote {

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    auto line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    out.push_back(line);
    pos = end + 1;
  }
  return out;
}

std::vector<Section> split_sections(std::string_view text, std::string_view marker) {
  std::vector<Section> out;
  const std::string prefix = std::string(marker) + " ";
  for (const auto line : lines(text)) {
    if (!marker.empty() && line.starts_with(prefix)) {
      auto parts = util::split(line.substr(prefix.size()), ' ');
      Section s;
      s.name = parts.front();
      s.args.assign(parts.begin() + 1, parts.end());
      out.push_back(std::move(s));
    } else if (!out.empty()) {
      out.back().body.append(line);
      out.back().body += '\n';
    }
  }
  return out;
}

const Section* find_section(const std::vector<Section>& sections, std::string_view name) {
  for (const auto& s : sections) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

std::string_view section_body(const std::vector<Section>& sections, std::string_view name) {
  const auto* s = find_section(sections, name);
  return s != nullptr ? std::string_view(s->body) : std::string_view();
}

}  // namespace ec2dl::remote

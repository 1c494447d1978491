#include "ec2dl/cli/introspect.hpp"

#include <CLI/CLI.hpp>

#include "ec2dl/util/strings.hpp"

namespace ec2dl::cli {

namespace {

bool contains(const std::string& text, std::string_view word) {
  return text.find(word) != std::string::npos;
}

// CLI11 appends validator descriptions to the type name: "MODE:{a,b}", "N:INT in [1 - 9]".
void split_type_name(const std::string& full, std::string* type,
                     std::vector<std::string>* choices) {
  const auto colon = full.find(':');
  *type = full.substr(0, colon);
  if (colon == std::string::npos) {
    return;
  }
  const auto rest = full.substr(colon + 1);
  if (rest.size() >= 2 && rest.front() == '{' && rest.back() == '}') {
    for (auto& c : util::split(rest.substr(1, rest.size() - 2), ',')) {
      choices->push_back(std::string(util::trim(c)));
    }
  }
}

ValueKind kind_for(const std::vector<std::string>& path, const std::string& type,
                   bool has_choices) {
  if (has_choices) {
    return ValueKind::choice;
  }
  const auto lower = util::to_lower(type);
  if (lower == "target" || lower == "host") {
    return ValueKind::host;
  }
  if (lower == "name" && path.size() == 2 && path[0] == "hosts" &&
      (path[1] == "rm" || path[1] == "default")) {
    return ValueKind::profile;
  }
  if (!contains(lower, "remote") &&
      (contains(lower, "file") || contains(lower, "local") || contains(lower, "script"))) {
    return ValueKind::file;
  }
  return ValueKind::any;
}

CommandInfo describe_at(const CLI::App& app, std::vector<std::string> path) {
  CommandInfo info;
  info.name = app.get_name();
  info.aliases = app.get_aliases();
  info.help = app.get_description();
  info.footer = app.get_footer();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) {
      continue;  // hidden
    }
    std::string type;
    std::vector<std::string> choices;
    split_type_name(opt->get_type_name(), &type, &choices);
    if (opt->get_positional() && opt->get_snames().empty() && opt->get_lnames().empty()) {
      PositionalInfo p;
      p.name = opt->get_name(true);
      p.type_name = type.empty() ? util::to_lower(p.name) : type;
      p.help = opt->get_description();
      p.required = opt->get_required();
      p.many = opt->get_items_expected_max() > 1;
      p.kind = kind_for(path, type, !choices.empty());
      p.choices = std::move(choices);
      info.positionals.push_back(std::move(p));
      continue;
    }
    OptionInfo o;
    for (const auto& s : opt->get_snames()) {
      o.names.push_back("-" + s);
    }
    for (const auto& l : opt->get_lnames()) {
      o.names.push_back("--" + l);
    }
    o.help = opt->get_description();
    o.group = opt->get_group();
    if (opt->get_expected_max() > 0) {  // flags expect no value
      o.type_name = type;
      o.choices = std::move(choices);
      o.kind = kind_for(path, type, !o.choices.empty());
    }
    info.options.push_back(std::move(o));
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name().empty()) {
      // An option group: its options and positionals belong to this command.
      auto group = describe_at(*sub, path);
      info.options.insert(info.options.end(), group.options.begin(), group.options.end());
      info.positionals.insert(info.positionals.end(), group.positionals.begin(),
                              group.positionals.end());
      continue;
    }
    if (sub->get_group().empty()) {
      continue;  // hidden
    }
    auto sub_path = path;
    sub_path.push_back(sub->get_name());
    info.subcommands.push_back(describe_at(*sub, std::move(sub_path)));
  }
  return info;
}

}  // namespace

CommandInfo describe(const CLI::App& app) {
  return describe_at(app, {});
}

std::string usage_line(const std::vector<const CommandInfo*>& path) {
  std::string out;
  for (const auto* c : path) {
    if (!out.empty()) {
      out += ' ';
    }
    out += c->name;
  }
  if (path.empty()) {
    return out;
  }
  const auto& cmd = *path.back();
  if (!cmd.options.empty()) {
    out += " [OPTIONS]";
  }
  if (!cmd.subcommands.empty()) {
    out += " COMMAND";
  }
  for (const auto& p : cmd.positionals) {
    std::string word = p.type_name;
    if (p.many && word.find("...") == std::string::npos) {
      word += "...";
    }
    out += p.required ? " " + word : " [" + word + "]";
  }
  return out;
}

}  // namespace ec2dl::cli

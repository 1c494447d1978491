#include "ec2dl/remote/script.hpp"

#include "ec2dl/remote/quote.hpp"

namespace ec2dl::remote {

std::string ScriptCall::command() const {
  std::string text;
  for (const auto& [key, value] : inputs) {
    text += "in_" + std::string(key.name()) + "=" + shell_quote(value) + "\n";
  }
  text += script.text;
  return sh_command(text, args, "ec2dl-" + std::string(script.name));
}

}  // namespace ec2dl::remote

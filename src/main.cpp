#include "ec2dl/cli/app.hpp"

int main(int argc, char** argv) {
  return ec2dl::cli::main(argc, argv);
}

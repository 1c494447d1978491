#include "ec2dl/ui/table.hpp"

#include <gtest/gtest.h>

namespace ec2dl::ui {
namespace {

TEST(Table, AlignsColumnsAndStripsControlCharacters) {
  Table t({{"ID", Align::right}, {"NAME"}, {"CMD"}});
  t.add_row({"1", "train", "python3 train.py"});
  t.add_row({"12", "evil\x1b[2Jname", "x"});
  EXPECT_EQ(t.render(false),
            "ID  NAME          CMD\n"
            " 1  train         python3 train.py\n"
            "12  evil?[2Jname  x\n");
}

TEST(Table, CutsLongCellsWithAnEllipsis) {
  Table t({{"A", Align::left, 4}, {"B"}});
  t.add_row({"abcdefgh", "z"});
  EXPECT_EQ(t.render(false), "A     B\nabc\u2026  z\n");
}

TEST(Table, ColoursOnlyWhenAsked) {
  Table t({{"X"}});
  t.add_row({Cell("hot", Color::red)});
  EXPECT_EQ(t.render(false), "X\nhot\n");
  EXPECT_NE(t.render(true).find("\x1b[31mhot\x1b[0m"), std::string::npos);
}

TEST(Bar, FillsInProportion) {
  EXPECT_EQ(bar(0.5, 10), "[#####.....]");
  EXPECT_EQ(bar(2.0, 4), "[####]");
  EXPECT_EQ(bar(-1, 4), "[....]");
}

TEST(HumanBytes, BinaryUnits) {
  EXPECT_EQ(human_bytes(12), "12 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(81559.0 * 1024 * 1024), "80 GiB");
}

}  // namespace
}  // namespace ec2dl::ui

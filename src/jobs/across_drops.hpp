#pragma once

#include <utility>

#include "ec2dl/core/error.hpp"
#include "ec2dl/ssh/reconnect.hpp"
#include "ec2dl/ssh/session.hpp"

namespace ec2dl::jobs {

// Runs `op(session)` on the link's session, and again after each transient failure (the link
// reconnects first), until it succeeds or fails for good. For operations that keep their own
// progress (a follow's offset) or can simply run again (a listing).
template <class Op>
auto across_drops(ssh::Reconnector& link, Op&& op) -> decltype(op(std::declval<ssh::Session&>())) {
  while (true) {
    EC2DL_TRY_ASSIGN(ssh::Session * session, link.session());
    auto result = op(*session);
    if (result || !link.recover(result.error())) {
      return result;
    }
  }
}

}  // namespace ec2dl::jobs

#pragma once

#include <memory>
#include <type_traits>

namespace ec2dl::util {

// The one RAII wrapper for C handles (libssh, libarchive, OpenSSL's EVP, DIR): owns a handle
// from the line the C call returns it and frees it with `Free` unless it is null.
//
//   using DirHandle = util::CHandle<DIR*, ::closedir>;
//   DirHandle dir{::opendir(path.c_str())};
template <auto Free>
struct CDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p != nullptr) {
      Free(p);
    }
  }
};

template <class Handle, auto Free>
using CHandle = std::unique_ptr<std::remove_pointer_t<Handle>, CDeleter<Free>>;

}  // namespace ec2dl::util

// known_hosts rules without a server: which entries make a host known, what a key counts as,
// the algorithm order offered, and OpenSSH's hashed names.
#include "ec2dl/ssh/known_hosts.hpp"

#include <gtest/gtest.h>

#include <string>

#include "support/fixtures.hpp"
#include "support/process.hpp"

namespace ec2dl::test {
namespace {

using ssh::HostKeyLookup;

const std::string k_ed25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFnTDe1oSzR80ttNR4aSbC21wZbOHuBob5WrXVbadOVg";
const std::string k_ecdsa =
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBAsSBOAT0hEeBjGIRYqxVID+"
    "Wi7+z8ABS641NrP16TMRn0T6aiscVXjqptBHeDmJLHoauGLMckerl+pWq5Fh8E=";
const std::string k_rsa =
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQCbVdz5YhhF2S206DhQYDBS5fk9sEpy03uphUO/"
    "VYSr177u0L6DWFH17pd539Z/0iBNkKX4KBtsVc5jtN1jwjAQx3oYGaAeAsHT13if/7Go9v+"
    "mJe9xL+Kq25o1d4agBMBWBr76NQTOY24h7jvVR9A/J+cro/8jM5nDIUio1HuGow==";
const std::string k_name = "[127.0.0.1]:2222";

ssh::KeyHandle key_of(const std::string& line) {
  ssh_key raw = nullptr;
  const auto space = line.find(' ');
  const auto type = ssh_key_type_from_name(line.substr(0, space).c_str());
  EXPECT_EQ(ssh_pki_import_pubkey_base64(line.substr(space + 1).c_str(), type, &raw), SSH_OK);
  return ssh::KeyHandle(raw);
}

class KnownHosts : public ::testing::Test {
 protected:
  std::string file(const std::string& text) {
    const auto path = m_dir.path() + "/known_hosts";
    write_text(path, text);
    return path;
  }
  HostKeyLookup lookup(const std::string& text, const std::string& offered) {
    return ssh::lookup_host_key({file(text)}, k_name, key_of(offered).get());
  }
  TempDir m_dir;
};

TEST_F(KnownHosts, AKeyOfAnotherTypeIsChangedNotUnknown) {
  const auto r = lookup("# hosts\n" + k_name + " " + k_ed25519 + "\n", k_ecdsa);
  EXPECT_EQ(r.status, HostKeyLookup::Status::changed);
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.old_type, "ssh-ed25519");
  EXPECT_EQ(r.old_fingerprint.rfind("SHA256:", 0), 0u);
  EXPECT_EQ(lookup(k_name + " " + k_ecdsa + "\n", k_rsa).status, HostKeyLookup::Status::changed);
  EXPECT_EQ(lookup("other " + k_ecdsa + "\n", k_rsa).status, HostKeyLookup::Status::unknown);
}

TEST_F(KnownHosts, AnyRecordedKeyMatchesAndHashedNamesCount) {
  const auto text =
      k_name + " " + k_ed25519 + "\n" + ssh::hash_host_name(k_name) + " " + k_ecdsa + "\n";
  const auto r = lookup(text, k_ecdsa);
  EXPECT_EQ(r.status, HostKeyLookup::Status::known);
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(lookup(ssh::hash_host_name(k_name) + " " + k_rsa + "\n", k_ed25519).status,
            HostKeyLookup::Status::changed);
  EXPECT_EQ(lookup(ssh::hash_host_name("[127.0.0.1]:2223") + " " + k_rsa + "\n", k_ed25519).status,
            HostKeyLookup::Status::unknown);
}

TEST_F(KnownHosts, RevokedWinsEvenOverAPlainEntry) {
  const auto r = lookup(k_name + " " + k_ed25519 + "\n@revoked * " + k_ed25519 + "\n", k_ed25519);
  EXPECT_EQ(r.status, HostKeyLookup::Status::revoked);
  EXPECT_EQ(r.line, 2);
  // Another key revoked leaves the host unknown, not known.
  EXPECT_EQ(lookup("@revoked * " + k_rsa + "\n", k_ed25519).status, HostKeyLookup::Status::unknown);
}

TEST_F(KnownHosts, CertAuthorityAloneIsNotKnown) {
  const auto r = lookup("@cert-authority *.example,[127.0.0.1]:* " + k_rsa + "\n", k_ed25519);
  EXPECT_EQ(r.status, HostKeyLookup::Status::cert_authority_only);
  EXPECT_EQ(r.line, 1);
  // With a plain entry too, the plain entry decides.
  EXPECT_EQ(
      lookup("@cert-authority * " + k_rsa + "\n" + k_name + " " + k_ecdsa + "\n", k_ed25519).status,
      HostKeyLookup::Status::changed);
}

TEST_F(KnownHosts, AnUnreadableRecordedKeyStillMakesTheHostKnown) {
  const auto r = lookup(k_name + " ssh-ed25519 notbase64!\n", k_ed25519);
  EXPECT_EQ(r.status, HostKeyLookup::Status::changed);
  EXPECT_EQ(r.old_fingerprint, "");
  // A line with no key at all is skipped, as OpenSSH skips it.
  EXPECT_EQ(lookup(k_name + "\n", k_ed25519).status, HostKeyLookup::Status::unknown);
}

TEST_F(KnownHosts, RecordedTypesComeFirstInTheAlgorithmList) {
  const auto path =
      file("@revoked " + k_name + " " + k_ecdsa + "\nother " + k_ecdsa + "\n" +
           ssh::hash_host_name(k_name) + " " + k_rsa + "\n" + k_name + "\t" + k_ed25519 + "\n");
  EXPECT_EQ(ssh::host_key_algorithms({"/nonexistent", path}, k_name),
            "rsa-sha2-512,rsa-sha2-256,ssh-ed25519,ecdsa-sha2-nistp521,ecdsa-sha2-nistp384,"
            "ecdsa-sha2-nistp256,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com");
  EXPECT_EQ(ssh::host_key_algorithms({file("other " + k_ecdsa + "\n")}, k_name), "");
}

TEST(HashHostName, IsOpenSshsHmacSha1Form) {
  std::string salt;
  for (char c = 1; c <= 20; ++c) {
    salt += c;
  }
  EXPECT_EQ(ssh::hash_host_name(k_name, salt),
            "|1|AQIDBAUGBwgJCgsMDQ4PEBESExQ=|6nwC5rG6k7vxYwKIoAwPZGhI1VE=");
  const auto a = ssh::hash_host_name(k_name);
  EXPECT_EQ(a.size(), 3 + 28 + 1 + 28u);
  EXPECT_NE(a, ssh::hash_host_name(k_name));  // a fresh salt each time
}

}  // namespace
}  // namespace ec2dl::test

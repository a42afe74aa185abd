// A mount test whose daemon and presigned transfers reach the reference server through
// tools/faultproxy: the server's public URL is the proxy's, so the API calls and the data
// transfers both cross it. Base is MountTest or one of its fixtures (OutboxMountTest).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fault_proxy.hpp"
#include "mount_fixture.hpp"

namespace anonfs::mount_test {

// Every fault kind the proxy injects.
inline const std::vector<std::string> kAllFaults = {"reset", "stall", "truncate",
                                                    "500",   "503",   "429"};

template <typename Base>
class ProxiedMount : public Base {
 protected:
  void SetUp() override {
    log_dir_ = std::make_unique<TempDir>();
    proxy_ = std::make_unique<faultproxy_test::FaultProxy>(log_dir_->path() / "faultproxy.log");
    Base::SetUp();
    proxy_->configure({{"target", this->server_->url()}});
  }
  std::vector<std::string> server_args() const override { return {"--public-url", proxy_->url()}; }
  std::string mount_server_url() const override { return proxy_->url(); }

  std::unique_ptr<TempDir> log_dir_;
  std::unique_ptr<faultproxy_test::FaultProxy> proxy_;
};

}  // namespace anonfs::mount_test

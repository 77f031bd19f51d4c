// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path, or "@name" for an
// abstract socket).
#pragma once

#include <string_view>

#include "util/result.h"

namespace nucleus {

// false when NOTIFY_SOCKET is not set (not started by systemd as Type=notify).
Result<bool> sd_notify(std::string_view state);

}  // namespace nucleus

// An OCI bundle's config.json -> a validated Spec (with Spec::oci). Every error is one line that
// names the field ("config.json: process.args: want a non-empty array of strings").
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "spec/spec.h"
#include "util/result.h"

namespace nucleus::spec {

// bundle: the bundle directory, absolute; id: the container's ID (as given by the engine).
Result<Spec> from_oci_config(std::string_view config_json, const std::string& bundle,
                             const std::string& id);

// Pieces shared with `exec --process` and `update --resources` (and the unit tests).
Result<Process> oci_process(const nlohmann::json& process, const std::string& where, Oci& oci,
                            std::vector<Rlimit>& rlimits);
Result<> oci_linux(const nlohmann::json& lx, Spec& s);
Result<> oci_resources(const nlohmann::json& resources, const std::string& where, Resources& r,
                       OciResources& extra);
// uidMappings / gidMappings of linux or of a mount (oci_linux.cc).
Result<std::vector<IdMap>> read_id_maps(const nlohmann::json& j, const char* key,
                                        const std::string& where);
// The Landlock annotations (oci_landlock.cc; their format is documented there).
Result<OciLandlock> oci_landlock(const std::map<std::string, std::string>& annotations);
// An OCI container ID as runc allows it: letters, digits, '_', '+', '-', '.', at most 1024.
bool valid_oci_id(std::string_view id);

}  // namespace nucleus::spec

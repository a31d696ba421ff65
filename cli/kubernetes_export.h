// `pmctl export kubernetes FILE`: an ecosystem file's apps as Kubernetes manifests that keep its
// meaning. Pure: specs in, manifest objects out (export_command prints them as YAML). What
// Kubernetes does differently, or cannot say, is said in notes, never silently dropped.
#pragma once

#include "app_spec.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pmd::cli {

struct KubernetesExportRequest {
  std::string image;           // --image: every app's container image; "" = one with its interpreter
  std::string ecosystem_file;  // as the image holds it, for apps that run under `pmd run`
  std::string env_name;        // --env, repeated on `pmd run` lines
};

struct KubernetesExport {
  std::vector<nlohmann::json> manifests;
  std::vector<std::string> notes;
};

/// Per app:
/// - a Deployment, replicas = instances: pods take the place of cluster mode's instances (each
///   has its own network namespace, so they bind the port themselves and a Service spreads the
///   connections); the container runs the app's own command;
/// - a Node app that uses process.send (wait_ready, shutdown_with_message) runs `pmd run FILE
///   --only NAME` instead (one replica running its instances: process.send needs a parent);
/// - a Service when it serves a TCP port, and a tcpSocket readinessProbe on that port;
/// - max_memory_restart as the memory request, and a quarter more as the limit (the kernel kills
///   at the limit; pmd would have restarted gracefully at the figure itself);
/// - kill_timeout as terminationGracePeriodSeconds, a kill_signal other than SIGTERM sent by a
///   preStop hook (Kubernetes itself sends SIGTERM);
/// - an app with cron_restart and autorestart off (a job run on a schedule) as a CronJob.
KubernetesExport export_kubernetes(const std::vector<AppSpec>& apps, const KubernetesExportRequest& request);

/// An app name as a Kubernetes object name (RFC 1123 label): lower case, letters, digits and
/// '-', starting and ending with a letter or digit, at most 63 characters.
std::string kubernetes_name(const std::string& app_name);

/// A byte count as a Kubernetes quantity ("256Mi" when it divides evenly, else bytes).
std::string memory_quantity(std::uint64_t bytes);

}  // namespace pmd::cli

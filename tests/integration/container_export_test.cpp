// pmctl export kubernetes and export compose, checked by real validators offline: the
// Kubernetes API's schemas (kubernetes-models from npm, scripts/fetch-test-tools.sh) and
// Compose's own (docker-compose config, Debian's), then read back to check they kept the file's
// meaning.
#include "daemon_fixture.h"
#include "process_utils.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>

using namespace pmd::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Four apps covering what carries over differently: a Node cluster app with a port, a memory
// limit and PM2's SIGINT; a Node app that tells readiness with process.send; a nightly job; a
// native program with a name Kubernetes would refuse, an env value with '$' and numbers as text.
fs::path write_ecosystem(const fs::path& dir) {
  const fs::path file = dir / "ecosystem.yml";
  std::ofstream(file) << "apps:\n"
                         "  - name: api\n"
                         "    script: "
                      << fixture("http_server.js").string()
                      << "\n"
                         "    instances: 4\n"
                         "    exec_mode: cluster\n"
                         "    port: 3100\n"
                         "    max_memory_restart: 256M\n"
                         "    kill_timeout: 5000\n"
                         "    env:\n"
                         "      NODE_ENV: development\n"
                         "    env_production:\n"
                         "      NODE_ENV: production\n"
                         "  - name: queue\n"
                         "    script: "
                      << fixture("ready_when_told.js").string()
                      << "\n"
                         "    wait_ready: true\n"
                         "  - name: nightly\n"
                         "    script: /bin/true\n"
                         "    cron_restart: \"0 3 * * *\"\n"
                         "    autorestart: false\n"
                         "  - name: Native_Server\n"
                         "    script: "
                      << (bin_dir() / "graceful_http_server").string()
                      << "\n"
                         "    kill_signal: SIGTERM\n"
                         "    env:\n"
                         "      GREETING: \"costs $5\"\n"
                         "      WORKERS: \"08\"\n";
  return file;
}

RunResult export_to(const std::string& format, const fs::path& file, const std::vector<std::string>& more) {
  std::vector<std::string> argv = {(bin_dir() / "pmctl").string(), "export", format, file.string()};
  argv.insert(argv.end(), more.begin(), more.end());
  return run_command(argv);
}

// A YAML file (several documents) as JSON, read by Python's yaml (a dependency of docker-compose).
json yaml_as_json(const fs::path& file) {
  auto r = run_command({"/usr/bin/python3", "-c",
                        "import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
                        file.string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

const json& find_doc(const json& docs, const std::string& kind, const std::string& name) {
  for (const auto& d : docs)
    if (d.value("kind", "") == kind && d["metadata"].value("name", "") == name) return d;
  FAIL("no " << kind << " " << name << " in " << docs.dump());
  return docs;  // not reached
}

}  // namespace

TEST_CASE(
    "export kubernetes: manifests the Kubernetes schemas accept, keeping instances, port, memory, signal, "
    "readiness and schedule",
    "[export]") {
  const fs::path modules = fs::path(PMD_TEST_TOOLS_DIR) / "k8s";
  if (!fs::exists(modules / "node_modules" / "kubernetes-models"))
    PMD_SKIP(Need::kKubernetesSchemas, "kubernetes-models is not installed (scripts/fetch-test-tools.sh, needs npm)");
  const fs::path dir = make_temp_home();
  const fs::path file = write_ecosystem(dir);
  auto r =
      export_to("kubernetes", file, {"--env", "production", "--image", "registry.example/app:1", "--to", dir.string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path manifests = dir / "kubernetes.yaml";
  REQUIRE(fs::exists(manifests));

  auto check =
      run_command({"/usr/bin/node", fixture("validate_kubernetes.js").string(), modules.string(), manifests.string()});
  INFO(check.out << check.err << read_file(manifests));
  REQUIRE(check.exit_code == 0);
  CHECK_THAT(check.out, Catch::Contains("valid: apps/v1/Deployment api") && Catch::Contains("valid: v1/Service api") &&
                            Catch::Contains("valid: batch/v1/CronJob nightly") &&
                            Catch::Contains("valid: apps/v1/Deployment native-server"));

  const json docs = yaml_as_json(manifests);
  const json& api = find_doc(docs, "Deployment", "api");
  CHECK(api["spec"]["replicas"] == 4);
  const json& pod = api["spec"]["template"]["spec"];
  CHECK(pod["terminationGracePeriodSeconds"] == 5);
  const json& c = pod["containers"][0];
  CHECK(c["image"] == "registry.example/app:1");
  CHECK(c["command"].back() == fixture("http_server.js").string());
  CHECK(c["resources"]["requests"]["memory"] == "256Mi");
  CHECK(c["resources"]["limits"]["memory"] == "320Mi");
  CHECK(c["readinessProbe"]["tcpSocket"]["port"] == 3100);
  CHECK_THAT(c["lifecycle"]["preStop"]["exec"]["command"].back().get<std::string>(), Catch::StartsWith("kill -INT 1"));
  CHECK(c["env"].dump().find(R"({"name":"NODE_ENV","value":"production"})") != std::string::npos);
  CHECK(find_doc(docs, "Service", "api")["spec"]["ports"][0]["port"] == 3100);
  CHECK(api["spec"]["selector"]["matchLabels"] == find_doc(docs, "Service", "api")["spec"]["selector"]);

  // process.send needs a parent: pmd runs it, from the file, in one replica.
  const json& queue = find_doc(docs, "Deployment", "queue");
  CHECK(queue["spec"]["replicas"] == 1);
  const json& queue_cmd = queue["spec"]["template"]["spec"]["containers"][0]["command"];
  CHECK(queue_cmd == json::array({"pmd", "run", file.string(), "--only", "queue", "--env", "production"}));

  const json& nightly = find_doc(docs, "CronJob", "nightly");
  CHECK(nightly["spec"]["schedule"] == "0 3 * * *");
  CHECK(nightly["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] == "Never");

  // Numbers-as-text stay text (the schema would refuse a number in env), SIGTERM needs no hook.
  const json& native = find_doc(docs, "Deployment", "native-server")["spec"]["template"]["spec"]["containers"][0];
  CHECK(native["env"].dump().find(R"({"name":"WORKERS","value":"08"})") != std::string::npos);
  CHECK_FALSE(native.contains("lifecycle"));
  CHECK_THAT(r.err, Catch::Contains("queue: runs under `pmd run`") && Catch::Contains("named native-server"));

  // Without --to it prints the same manifests.
  auto printed = export_to("k8s", file, {"--env", "production", "--image", "registry.example/app:1"});
  CHECK(printed.exit_code == 0);
  CHECK(printed.out == read_file(manifests));
  fs::remove_all(dir);
}

TEST_CASE(
    "export compose: a file docker-compose accepts, keeping replicas, signal, grace, memory, ports and a literal $",
    "[export]") {
  if (::access("/usr/bin/docker-compose", X_OK) != 0)
    PMD_SKIP(Need::kDockerCompose,
             "docker-compose is not installed (Debian's docker-compose, scripts/install-deps.sh)");
  const fs::path dir = make_temp_home();
  const fs::path file = write_ecosystem(dir);
  auto r = export_to("compose", file, {"--to", dir.string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const fs::path compose = dir / "compose.yaml";
  // Compose's own schema, strict about unknown keys; offline (no Docker needed for `config`).
  auto check = run_command({"/usr/bin/docker-compose", "-f", compose.string(), "config"});
  INFO(check.out << check.err << read_file(compose));
  REQUIRE(check.exit_code == 0);
  // A literal dollar: Compose reads "$$" as "$" (and prints it escaped again); "$5" alone would
  // have been a variable, substituted by an empty string with a warning.
  CHECK_THAT(check.out, Catch::Contains("GREETING: costs $$5"));
  CHECK_THAT(check.err, !Catch::Contains("variable is not set"));

  const json services = yaml_as_json(compose)[0]["services"];
  const json& api = services["api"];
  CHECK(api["deploy"]["replicas"] == 4);
  CHECK(api["stop_signal"] == "SIGINT");
  CHECK(api["stop_grace_period"] == "5000ms");
  CHECK(api["deploy"]["resources"]["limits"]["memory"] == std::to_string(320 * 1024 * 1024));
  CHECK(api["expose"] == json::array({"3100"}));  // four replicas cannot share a host port
  CHECK(api["environment"]["NODE_ENV"] == "development");
  CHECK(api["entrypoint"].back() == fixture("http_server.js").string());
  CHECK(services["nightly"]["restart"] == "no");
  CHECK(services["native_server"]["stop_signal"] == "SIGTERM");
  CHECK(services["native_server"]["environment"]["WORKERS"] == "08");
  CHECK(services["queue"]["entrypoint"][1] == "run");
  CHECK_THAT(r.err, Catch::Contains("cannot share host port 3100"));
  fs::remove_all(dir);
}

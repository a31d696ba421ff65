// The pure parts of pmctl export kubernetes and compose: names each system accepts, quantities,
// where an app serves, YAML that keeps strings strings, and '$' kept literal for Compose.
#include "compose_export.h"
#include "export_rules.h"
#include "kubernetes_export.h"
#include "yaml_output.h"

#include <catch2/catch.hpp>

using namespace pmd;
using namespace pmd::cli;
using nlohmann::json;

TEST_CASE("app names become names Kubernetes and Compose accept", "[export]") {
  CHECK(kubernetes_name("api") == "api");
  CHECK(kubernetes_name("My_API.v2") == "my-api-v2");
  CHECK(kubernetes_name("--x--") == "x");
  CHECK(kubernetes_name("日本") == "app");
  CHECK(kubernetes_name(std::string(80, 'a')).size() == 63);
  CHECK(compose_name("My_API.v2") == "my_api.v2");
  CHECK(compose_name("_x") == "x");
}

TEST_CASE("memory as a Kubernetes quantity, and the port an app serves on", "[export]") {
  CHECK(memory_quantity(256ULL << 20) == "256Mi");
  CHECK(memory_quantity(2ULL << 30) == "2Gi");
  CHECK(memory_quantity(1000) == "1000");
  AppSpec app;
  CHECK(served_port(app) == 0);
  app.env["PORT"] = "8080";
  CHECK(served_port(app) == 8080);
  app.listen = "127.0.0.1:9000";
  CHECK(served_port(app) == 9000);
  app.listen = "/run/app.sock";
  CHECK(served_port(app) == 8080);  // a unix socket serves no TCP port; PORT still says one
  app.port = 3000;
  CHECK(served_port(app) == 3000);
}

TEST_CASE("YAML output keeps text that looks like a number or a boolean as text", "[export]") {
  const std::string text = yaml_documents({json{{"a", "08"}, {"b", "true"}, {"c", 3}, {"d", true}}}, {"made here"});
  CHECK(text == "# made here\n---\na: \"08\"\nb: \"true\"\nc: 3\nd: true\n");
}

TEST_CASE("Compose gets '$' doubled, and a Node app using process.send runs under pmd", "[export]") {
  AppSpec app;
  app.name = "queue";
  app.script = "/srv/queue.js";
  app.interpreter = "node";
  app.env["PRICE"] = "$5";
  app.wait_ready = true;
  auto out = export_compose({app}, {"", "/srv/ecosystem.config.js", ""});
  const json& s = out.document["services"]["queue"];
  CHECK(s["environment"]["PRICE"] == "$$5");
  CHECK(s["entrypoint"] == json::array({"pmd", "run", "/srv/ecosystem.config.js", "--only", "queue"}));
  auto k8s = export_kubernetes({app}, {"img", "/srv/ecosystem.config.js", "prod"});
  REQUIRE(k8s.manifests.size() == 1);  // no port: no Service
  CHECK(k8s.manifests[0]["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] == "$5");
  CHECK(k8s.manifests[0]["spec"]["template"]["spec"]["containers"][0]["command"].back() == "prod");
}

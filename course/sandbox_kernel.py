"""A Jupyter kernel manager whose kernel runs in the bubblewrap sandbox (``course.sandbox``).

``SandboxKernelManager`` is jupyter_client's ``AsyncKernelManager`` with three changes:
the kernel talks over Unix sockets in the sandbox's ``run`` directory (``transport =
"ipc"``, connection file there too), it gets only the environment it is given, and it is
started either by the worker's fork server (given a ``zygote``: the
``course.zygote_provisioner.ZygoteProvisioner``) or with its command line wrapped by
``course.sandbox.command`` (unless ``sandboxed`` is False); a sandboxed kernel is
interrupted by a control message, not by a signal to its process group (which would end
``bwrap`` too).
nbclient (and nbgrader's ``Execute``, which is an nbclient) accept it as ``km=``.
"""
from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from course import sandbox
from course.zygote_provisioner import ZygoteProvisioner


class SandboxKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` for one sandboxed kernel.

    Args:
        dirs: ``sandbox.SandboxDirs`` of this kernel.
        env: the kernel's complete environment (``sandbox.kernel_env``).
        limits: ``sandbox.Limits``.
        log_path: file that receives the kernel's stdout and stderr.
        sandboxed: wrap the kernel in bubblewrap (False: run it directly, same environment).
        uid: user id of the kernel when the caller is root (``sandbox.sandbox_uid``, or
            ``sandbox.kernel_uid`` with a zygote).
        zygote: a running ``course.zygote_client.Zygote`` to start the kernel (its
            ``dirs`` must lie in the zygote's spool; ``uid`` is then required).
        **kwargs: passed to ``AsyncKernelManager`` (e.g. ``kernel_name``).
    """

    def __init__(self, dirs, env, limits, log_path: Path, sandboxed: bool = True,
                 uid: int | None = None, zygote=None, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = str(dirs.run / "kernel")
        self.connection_file = str(dirs.run / "kernel.json")
        self._dirs, self._env, self._limits = dirs, dict(env), limits
        self._sandboxed, self._uid = sandboxed, uid
        self._zygote = zygote if sandboxed else None
        self._log_path = Path(log_path)

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self._uid is not None:  # the kernel runs as another user: let it read its keys
            os.chown(self.connection_file, self._uid, self._uid)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self._sandboxed or self._zygote is not None:
            return cmd
        return sandbox.command(cmd, self._dirs, self._env, self._limits, self._uid)

    async def start_kernel(self, **kwargs):
        if self._sandboxed:
            # a SIGINT to the process group would also end bwrap (and so the sandbox):
            # interrupt with a control message, and ipykernel signals itself
            self.kernel_spec.interrupt_mode = "message"
        if self._zygote is not None and self.provisioner is None:
            self.kernel_id = self.kernel_id or str(uuid.uuid4())
            prov = ZygoteProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                     parent=self)
            prov.zygote, prov.scratch = self._zygote, self._dirs.work.parent
            prov.uid, prov.limits = self._uid, self._limits
            self.provisioner = prov
        log = open(self._log_path, "ab")  # noqa: SIM115 (the kernel process keeps it open)
        try:
            kwargs.update(env=dict(self._env), stdout=log, stderr=log)
            return await super().start_kernel(**kwargs)
        finally:
            log.close()

    def kill_tree(self) -> None:
        """SIGKILL the kernel's process group (with the sandbox, ``bwrap`` and so every
        process inside it; from a zygote, the kernel's PID namespace). Safe to call from
        another thread, and more than once."""
        prov = self.provisioner
        if isinstance(prov, ZygoteProvisioner):
            prov.kill_now()
            return
        pid = getattr(prov, "pid", None) if prov else None
        pgid = getattr(prov, "pgid", None) if prov else None
        for target, kill in ((pgid, os.killpg), (pid, os.kill)):
            if target:
                try:
                    kill(target, signal.SIGKILL)
                except OSError:
                    pass

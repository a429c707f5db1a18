"""Registration with Poetry. Kept cheap: Poetry loads plugins for every command, so
activation only adds listeners and command factories; the work (and the Rust proxy) starts
only for a command that resolves or installs packages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from poetry.plugins.application_plugin import ApplicationPlugin

if TYPE_CHECKING:
    from cleo.events.console_command_event import ConsoleCommandEvent
    from cleo.events.console_error_event import ConsoleErrorEvent
    from cleo.events.console_terminate_event import ConsoleTerminateEvent
    from cleo.events.event_dispatcher import EventDispatcher
    from poetry.console.application import Application

    from safe_pip.poetry_plugin.guard import GuardedRun

# Poetry's own COMMAND listeners run at priority 0; cleo calls higher priorities first.
# Before Poetry's: the pool must point at the proxy before anyone reads it.
EARLY = 100
# After Poetry's: the installer exists only once `configure_installer_for_event` ran.
LATE = -100


class SafePipPlugin(ApplicationPlugin):
    """Routes `poetry add|install|lock|remove|sync|update` (and their `poetry self …`
    forms, which install into Poetry's own environment) through safe-pip and adds
    `poetry safe-pip check|vet|allow`."""

    def __init__(self) -> None:
        self._runs: dict[int, GuardedRun] = {}

    def activate(self, application: Application) -> None:
        from cleo.events.console_events import COMMAND, ERROR, TERMINATE

        dispatcher = application.event_dispatcher
        if dispatcher is None:  # no listeners means no guard: refuse rather than pass silently
            raise RuntimeError("safe-pip: Poetry has no event dispatcher; the plugin cannot guard installs")
        dispatcher.add_listener(COMMAND, self._before_command, priority=EARLY)
        dispatcher.add_listener(COMMAND, self._installer_ready, priority=LATE)
        dispatcher.add_listener(ERROR, self._on_error)
        dispatcher.add_listener(TERMINATE, self._on_terminate)

        from safe_pip.poetry_plugin.commands import FACTORIES

        for name, factory in FACTORIES.items():
            application.command_loader.register_factory(name, factory)

    def _before_command(self, event: ConsoleCommandEvent, _name: str, _d: EventDispatcher) -> None:
        if not _guarded(event.command):
            return
        from safe_pip.poetry_plugin.guard import GuardedRun

        run = GuardedRun(event.command, event.io)
        self._runs[id(event.command)] = run
        run.before()

    def _installer_ready(self, event: ConsoleCommandEvent, _name: str, _d: EventDispatcher) -> None:
        run = self._runs.get(id(event.command))
        if run is not None:
            run.installer_ready()

    def _on_error(self, event: ConsoleErrorEvent, _name: str, _d: EventDispatcher) -> None:
        run = self._runs.get(id(event.command))
        if run is not None:
            run.on_error(event)

    def _on_terminate(self, event: ConsoleTerminateEvent, _name: str, _d: EventDispatcher) -> None:
        run = self._runs.pop(id(event.command), None)
        if run is not None:
            run.finish(event)


#: Poetry's commands that resolve or install packages. (`self show` and other `self …`
#: commands are InstallerCommands too, but install nothing.)
GUARDED = frozenset({"add", "install", "lock", "remove", "sync", "update"})


def _guarded(command: Any) -> bool:
    name = str(getattr(command, "name", "") or "")
    base = name[len("self ") :] if name.startswith("self ") else name
    return base in GUARDED

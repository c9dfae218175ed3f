"""Settings > Network: the proxy, the request timeout and extra trusted certificates.

The dialog does not save: after ``accepted`` its owner reads :meth:`NetworkDialog.values`.
:func:`open_network_settings` is the whole round trip the app uses: open the dialog,
and on OK save the settings and make the next request use them (running requests
finish with the settings they started with). "Test connection" lists the models of the
current endpoint through the settings in the dialog, in a task, so the window stays live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.api import errors
from app.api.translation import translate
from app.core.connection import Connection
from app.core.network import (
    NetworkFields,
    NetworkSettings,
    NetworkSettingsError,
    environment_proxies,
    proxy_url_problem,
)
from app.core.settings import MAX_REQUEST_TIMEOUT, MIN_REQUEST_TIMEOUT
from app.ui.preferences import Preferences
from app.ui.tasks import TaskSet
from app.ui.widget_helpers import push_button, set_tab_chain

#: Lists the endpoint's models through the given settings (raises on failure).
NetworkProbe = Callable[[NetworkSettings], Awaitable[list[str]]]

_STYLE = '#proxyProblem, #networkTestResult[error="true"] { color: #dc2626; }'


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class NetworkDialog(QDialog):
    """Edits the network settings; after ``accepted`` read :meth:`values`.

    Args:
        values: The settings to start from.
        probe: Runs the Test button's request (see
            :meth:`app.core.connection.Connection.probe_network`); None (or no running
            asyncio loop) disables Test.
        endpoint: The base URL the test reaches, to name it.
    """

    def __init__(
        self,
        values: NetworkFields,
        *,
        probe: NetworkProbe | None = None,
        endpoint: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("networkDialog")
        self.setWindowTitle(translate("NetworkDialog", "Network settings"))
        self.setMinimumWidth(520)
        self.setStyleSheet(_STYLE)
        self._probe = probe
        self._endpoint = endpoint
        self._tasks = TaskSet()
        self._testing = False
        self.file_dialog: QFileDialog | None = None
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._proxy_group(values))
        layout.addWidget(self._connection_group(values))
        layout.addWidget(self._certificate_group(values))
        layout.addLayout(self._test_row())
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        radios = {"none": self.none_radio, "custom": self.custom_radio}
        radios.get(values.proxy_mode, self.system_radio).setChecked(True)
        self.modes.idToggled.connect(self._changed)
        self.proxy_edit.textChanged.connect(self._changed)
        self.timeout_spin.valueChanged.connect(self._changed)
        self.ca_edit.textChanged.connect(self._changed)
        self._set_tab_order()
        self._update()

    # -- building ---------------------------------------------------------------------

    def _proxy_group(self, values: NetworkFields) -> QGroupBox:
        group = QGroupBox(translate("NetworkDialog", "Proxy"), self)
        self.system_radio = self._radio(
            group, "proxySystem", translate("NetworkDialog", "Use the &system proxy settings")
        )
        self.none_radio = self._radio(
            group, "proxyNone", translate("NetworkDialog", "&No proxy (connect directly)")
        )
        self.custom_radio = self._radio(
            group, "proxyCustom", translate("NetworkDialog", "&Custom proxy:")
        )
        self.modes = QButtonGroup(self)
        for mode_id, radio in enumerate((self.system_radio, self.none_radio, self.custom_radio)):
            self.modes.addButton(radio, mode_id)
        self.system_note = QLabel(self._system_text(), group)
        self.system_note.setObjectName("systemProxyNote")
        self.system_note.setWordWrap(True)
        self.system_note.setIndent(24)
        self.proxy_edit = QLineEdit(values.proxy_url or "", group)
        self.proxy_edit.setObjectName("proxyUrl")
        self.proxy_edit.setAccessibleName(translate("NetworkDialog", "Proxy address"))
        self.proxy_edit.setPlaceholderText(
            translate("NetworkDialog", "http://proxy.example.com:8080 or socks5://host:1080")
        )
        self.proxy_edit.setToolTip(
            translate(
                "NetworkDialog",
                "http://, https://, socks5:// or socks5h://, then an optional "
                "user:password@, the host and the port",
            )
        )
        self.proxy_edit.setClearButtonEnabled(True)
        self.proxy_problem = QLabel(group)
        self.proxy_problem.setObjectName("proxyProblem")
        self.proxy_problem.setWordWrap(True)
        self.proxy_problem.hide()
        address = QVBoxLayout()
        address.setContentsMargins(24, 0, 0, 0)
        address.addWidget(self.proxy_edit)
        address.addWidget(self.proxy_problem)
        column = QVBoxLayout(group)
        column.addWidget(self.system_radio)
        column.addWidget(self.system_note)
        column.addWidget(self.none_radio)
        column.addWidget(self.custom_radio)
        column.addLayout(address)
        return group

    def _connection_group(self, values: NetworkFields) -> QGroupBox:
        group = QGroupBox(translate("NetworkDialog", "Requests"), self)
        self.timeout_spin = QSpinBox(group)
        self.timeout_spin.setObjectName("requestTimeout")
        self.timeout_spin.setAccessibleName(
            translate("NetworkDialog", "Request timeout in seconds")
        )
        self.timeout_spin.setRange(int(MIN_REQUEST_TIMEOUT), int(MAX_REQUEST_TIMEOUT))
        self.timeout_spin.setSuffix(translate("NetworkDialog", " s"))
        seconds = round(values.request_timeout)
        self.timeout_spin.setValue(seconds)  # the spin box keeps it within its range
        explain = QLabel(
            translate(
                "NetworkDialog",
                "How long to wait for a connection (at most 30 s) and for the next part of "
                "a reply. A model that thinks for long may need more.",
            ),
            group,
        )
        explain.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.timeout_spin)
        row.addStretch(1)
        form = QFormLayout(group)
        form.addRow(translate("NetworkDialog", "&Timeout:"), row)
        form.addRow(explain)
        label = form.labelForField(row)
        if isinstance(label, QLabel):
            label.setBuddy(self.timeout_spin)
        return group

    def _certificate_group(self, values: NetworkFields) -> QGroupBox:
        group = QGroupBox(translate("NetworkDialog", "Certificates"), self)
        note = QLabel(
            translate(
                "NetworkDialog",
                "TLS certificates are always verified. If a proxy on your network inspects "
                "secure connections, add its certificate authority here (a PEM file); it is "
                "trusted in addition to the built-in ones.",
            ),
            group,
        )
        note.setObjectName("tlsNote")
        note.setWordWrap(True)
        self.ca_edit = QLineEdit(values.ca_bundle or "", group)
        self.ca_edit.setObjectName("caBundle")
        self.ca_edit.setAccessibleName(translate("NetworkDialog", "Extra CA certificates file"))
        self.ca_edit.setPlaceholderText(
            translate("NetworkDialog", "None: only the built-in authorities")
        )
        self.browse_button = push_button(
            group, "caBrowse", translate("NetworkDialog", "&Browse…"), self.browse_ca
        )
        self.browse_button.setAccessibleName(
            translate("NetworkDialog", "Choose the CA certificates file")
        )
        self.clear_button = push_button(
            group, "caClear", translate("NetworkDialog", "C&lear"), self.ca_edit.clear
        )
        self.clear_button.setAccessibleName(
            translate("NetworkDialog", "Use only the built-in authorities")
        )
        row = QHBoxLayout()
        row.addWidget(self.ca_edit, 1)
        row.addWidget(self.browse_button)
        row.addWidget(self.clear_button)
        form = QFormLayout(group)
        form.addRow(note)
        form.addRow(translate("NetworkDialog", "CA &bundle:"), row)
        label = form.labelForField(row)
        if isinstance(label, QLabel):
            label.setBuddy(self.ca_edit)
        return group

    def _test_row(self) -> QVBoxLayout:
        self.test_button = push_button(
            self, "testConnection", translate("NetworkDialog", "T&est connection"), self.test
        )
        self.test_button.setAccessibleName(
            translate("NetworkDialog", "Test the connection with these settings")
        )
        self.test_result = QLabel(self)
        self.test_result.setObjectName("networkTestResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.hide()
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        column = QVBoxLayout()
        column.addLayout(row)
        column.addWidget(self.test_result)
        return column

    def _radio(self, parent: QWidget, name: str, text: str) -> QRadioButton:
        radio = QRadioButton(text, parent)
        radio.setObjectName(name)
        radio.setAccessibleName(text.replace("&", ""))
        return radio

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.system_radio,
            self.none_radio,
            self.custom_radio,
            self.proxy_edit,
            self.timeout_spin,
            self.ca_edit,
            self.browse_button,
            self.clear_button,
            self.test_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Ok),
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]
        set_tab_chain(chain)

    def _system_text(self) -> str:
        found = environment_proxies()
        if not found:
            return translate(
                "NetworkDialog",
                "No proxy is set in the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY).",
            )
        return translate("NetworkDialog", "From the environment: {proxies}").format(
            proxies=", ".join(found)
        )

    # -- results ----------------------------------------------------------------------

    def mode(self) -> str:
        if self.custom_radio.isChecked():
            return "custom"
        return "none" if self.none_radio.isChecked() else "system"

    def values(self) -> NetworkSettings:
        """The settings as the dialog shows them. The proxy address is kept in every
        mode (it comes back when Custom is chosen again)."""
        return NetworkSettings(
            proxy_mode=self.mode(),
            proxy_url=self.proxy_edit.text().strip() or None,
            request_timeout=float(self.timeout_spin.value()),
            ca_bundle=self.ca_edit.text().strip() or None,
        )

    def problem(self) -> str | None:
        """Why OK is disabled: the custom proxy's address is not valid; or None."""
        if self.mode() != "custom":
            return None
        return proxy_url_problem(self.proxy_edit.text())

    # -- actions ----------------------------------------------------------------------

    def browse_ca(self) -> None:
        """Pick the PEM file in a file dialog opened window-modal (no nested event loop)."""
        dialog = QFileDialog(
            self,
            translate("NetworkDialog", "CA certificates file"),
            self.ca_edit.text().strip(),
        )
        dialog.setObjectName("caBundleDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilters(
            [
                translate("NetworkDialog", "PEM certificates (*.pem *.crt *.cer)"),
                translate("NetworkDialog", "All files (*)"),
            ]
        )
        dialog.fileSelected.connect(self.ca_edit.setText)
        dialog.finished.connect(dialog.deleteLater)
        self.file_dialog = dialog
        dialog.open()

    def test(self) -> None:
        """Start a task that reaches the endpoint with the dialog's settings."""
        if self._probe is None or self._testing or self.problem() or _running_loop() is None:
            return
        self._testing = True
        if self._endpoint:
            text = translate("NetworkDialog", "Connecting to {endpoint}…").format(
                endpoint=self._endpoint
            )
        else:
            text = translate("NetworkDialog", "Connecting…")
        self._show_result(text, error=False)
        self._update()
        self._tasks.start(self._run_test(self._probe, self.values()), name="network-test")

    def done(self, result: int) -> None:
        """Closing the dialog stops a running test."""
        self._tasks.cancel_all()
        self._testing = False
        super().done(result)

    # -- internals --------------------------------------------------------------------

    async def _run_test(self, probe: NetworkProbe, values: NetworkSettings) -> None:
        failed = True
        try:
            models = await probe(values)
        except asyncio.CancelledError:
            raise
        except errors.AuthError as error:
            text = translate(
                "NetworkDialog",
                "The connection works: the server answered, but did not accept the API key "
                "({reason}).",
            ).format(reason=error.message)
            failed = False
        except (errors.MimoError, NetworkSettingsError) as error:
            text = error.message
        except Exception as error:  # whatever went wrong, it is the answer to show
            text = translate("NetworkDialog", "The test failed: {reason}").format(
                reason=str(error) or type(error).__name__
            )
        else:
            text = translate(
                "NetworkDialog", "The connection works: the server sent its model list ({count})."
            ).format(count=len(models))
            failed = False
        self._testing = False
        self._show_result(text, error=failed)
        self._update()

    def _show_result(self, text: str, *, error: bool) -> None:
        self.test_result.setText(("\u26a0 " if error else "\u2713 ") + text)
        self.test_result.setProperty("error", error)
        self.test_result.setAccessibleName(text)
        self.test_result.style().unpolish(self.test_result)
        self.test_result.style().polish(self.test_result)
        self.test_result.show()

    def _changed(self) -> None:
        if not self._testing:
            self.test_result.hide()  # the result was about other settings
        self._update()

    def _update(self) -> None:
        custom = self.mode() == "custom"
        self.proxy_edit.setEnabled(custom)
        self.system_note.setEnabled(self.mode() == "system")
        problem = self.problem()
        self.proxy_problem.setText("\u26a0 " + problem if problem else "")
        self.proxy_problem.setVisible(problem is not None)
        self.proxy_edit.setAccessibleDescription(problem or "")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        can_test = self._probe is not None and _running_loop() is not None
        self.test_button.setEnabled(can_test and problem is None and not self._testing)
        if can_test:
            self.test_button.setToolTip(
                translate("NetworkDialog", "List the models of the current endpoint")
            )
        else:
            self.test_button.setToolTip(translate("NetworkDialog", "Testing is not available here"))


def edit_network_settings(
    parent: QWidget,
    settings: NetworkFields,
    on_accept: Callable[[NetworkSettings], None],
    *,
    probe: NetworkProbe | None = None,
    endpoint: str | None = None,
) -> NetworkDialog:
    """Open the dialog window-modal; ``on_accept`` gets the new values on OK."""
    dialog = NetworkDialog(settings, probe=probe, endpoint=endpoint, parent=parent)
    dialog.accepted.connect(lambda: on_accept(dialog.values()))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


async def apply_network_settings(
    values: NetworkSettings,
    preferences: Preferences,
    connection: Connection,
    report: Callable[[str], None],
) -> None:
    """Save ``values`` (in a worker thread) and make the next request use them.

    ``report`` gets the reason when the settings cannot be used (a CA file that went
    missing); requests then fail with it until the settings are fixed.
    """
    preferences.update(**values.changes())
    problem = await connection.apply_network(values)
    if problem:
        report(problem)


def open_network_settings(
    parent: QWidget,
    preferences: Preferences,
    connection: Connection,
    tasks: TaskSet,
    report: Callable[[str], None],
) -> NetworkDialog:
    """The app's Settings > Network: open the dialog; on OK save and apply the settings.

    Args:
        parent: The main window.
        preferences: Where the settings are kept and saved.
        connection: Whose HTTP client the new settings replace; also the Test target.
        tasks: Keeps the apply task alive.
        report: Shows a sentence to the user (a status bar message).
    """

    def accepted(values: NetworkSettings) -> None:
        tasks.start(
            apply_network_settings(values, preferences, connection, report),
            name="apply-network",
        )

    return edit_network_settings(
        parent,
        preferences.settings,
        accepted,
        probe=connection.probe_network,
        endpoint=connection.base_url,
    )

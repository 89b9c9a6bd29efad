"""A minimal Streamlit client speaking the app's own websocket protocol, for load measurements.

A browser per simulated user would measure Chromium more than our app on a 2-core machine; this client
sends the same protobuf messages the Streamlit frontend sends (BackMsg.rerun_script) and times the run
until the server says the script finished, so many sessions can be driven from one process.
"""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass, field

import websocket  # websocket-client
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates


@dataclass
class RunResult:
    seconds: float
    elements: int
    exceptions: list[str]
    finished: bool
    # widget id -> (label, URL parameter it is bound to, options) of the selectboxes seen, for a widget change
    selectboxes: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)


class StreamlitSession:
    """One simulated browser tab connected to a running Streamlit server."""

    def __init__(self, base_url: str, timeout: float = 60.0, cookie: str = ""):
        """Open the websocket; `cookie` (a Cookie header, e.g. from `first_page_cookies`) rides on the upgrade
        request as a browser's would, so a sticky proxy routes it to the process that served the page."""
        ws_url = base_url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.timeout = timeout
        headers = [f"Cookie: {cookie}"] if cookie else None
        self.ws = websocket.create_connection(ws_url, subprotocols=["streamlit"], timeout=timeout, header=headers)
        # The proxy names the process that took the upgrade (deploy/haproxy.cfg.template); None without a proxy.
        self.served_by: str | None = (self.ws.getheaders() or {}).get("x-served-by")
        self.page_script_hash = ""

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - closing a dead socket is not an error worth reporting
            pass

    def run(self, page_name: str, query_string: str = "", widgets: list[WidgetState] | None = None) -> RunResult:
        """Ask the server to run `page_name` and wait until the run finishes."""
        state = ClientState(query_string=query_string, page_name=page_name, page_script_hash=self.page_script_hash)
        if widgets:
            state.widget_states.CopyFrom(WidgetStates(widgets=widgets))
        message = BackMsg()
        message.rerun_script.CopyFrom(state)
        started = time.perf_counter()
        self.ws.send_binary(message.SerializeToString())
        return self._read_until_finished(started)

    def _read_until_finished(self, started: float) -> RunResult:
        result = RunResult(seconds=0.0, elements=0, exceptions=[], finished=False)
        deadline = started + self.timeout
        while time.perf_counter() < deadline:
            raw = self.ws.recv()
            if not isinstance(raw, bytes):
                continue
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.page_script_hash = msg.new_session.page_script_hash or self.page_script_hash
            elif kind == "page_info_changed" or kind == "pages_changed":
                pass
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                element_type = element.WhichOneof("type")
                result.elements += 1
                if element_type == "exception":
                    result.exceptions.append(f"{element.exception.type}: {element.exception.message}")
                elif element_type == "selectbox":
                    box = element.selectbox
                    result.selectboxes[box.id] = (box.label, box.query_param_key, list(box.options))
            elif kind == "script_finished":
                status = msg.script_finished
                if status in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                    result.finished = status == ForwardMsg.FINISHED_SUCCESSFULLY
                    break
        result.seconds = time.perf_counter() - started
        return result


def first_page_cookies(base_url: str, timeout: float = 60.0) -> str:
    """GET the page as a browser does before it opens the websocket; return the cookies set, as a Cookie header."""
    with urllib.request.urlopen(base_url.rstrip("/") + "/", timeout=timeout) as response:
        response.read()
        set_cookies = response.headers.get_all("Set-Cookie") or []
    return "; ".join(header.split(";", 1)[0].strip() for header in set_cookies)


def change_selectbox(result: RunResult, url_parameter: str) -> list[WidgetState]:
    """Widget states that pick another option in the selectbox bound to `url_parameter` (e.g. "peers").

    A selectbox's value travels as its displayed label (Streamlit's serialisation), so an option label is sent.
    """
    for widget_id, (_label, bound_to, options) in result.selectboxes.items():
        if bound_to == url_parameter and len(options) > 1:
            return [WidgetState(id=widget_id, string_value=options[1])]
    return []

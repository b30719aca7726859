"""The control socket and 'backmon ctl' without a radio: owner-only modes, one JSON line each way,
refusals in one sentence, a stale socket replaced, a second monitor left without one; the check-in."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import stat
import subprocess
import sys

from backmon.commands.monitor import ask_checkin
from backmon.live.control import Command, ControlServer, Reply, Verb, control_path, send


async def _echo(command: Command) -> Reply:
    return Reply(True, f"got {command.verb} {command.minutes} {command.note}")


def test_socket_is_owner_only_and_answers_one_json_line_each_way():
    path = control_path()

    async def scenario():
        server = ControlServer(path, _echo)
        assert await server.start() is None
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and stat.S_ISSOCK(os.stat(path).st_mode)
        replies = [await asyncio.to_thread(send, Command(Verb.SNOOZE, minutes=30.0)),
                   await asyncio.to_thread(send, Command(Verb.MARK, note="box 3"))]
        second = ControlServer(path, _echo)  # a second monitor: no socket for it, said why
        said = await second.start()

        def raw(data: bytes) -> bytes:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(path)
                s.sendall(data)
                return s.recv(4096)

        bad = [await asyncio.to_thread(raw, b'{"command": "dance"}\n'), await asyncio.to_thread(raw, b"nonsense\n"),
               await asyncio.to_thread(raw, b'{"command": "snooze", "minutes": -1}\n')]
        await server.close()
        return replies, said, bad

    replies, said, bad = asyncio.run(scenario())
    assert replies == [Reply(True, "got snooze 30.0 "), Reply(True, "got mark None box 3")]
    assert said.startswith("another backmon monitor answers on")
    assert bad == [b'{"ok": false, "message": "unknown command \'dance\' (known: snooze, pause, resume, recalibrate, '
                   b'mark, quit)"}\n', b'{"ok": false, "message": "a request is one line of JSON"}\n',
                   b'{"ok": false, "message": "snooze takes minutes from 0 to 480, not -1"}\n']
    assert not os.path.exists(path)


def test_a_socket_left_by_a_killed_monitor_is_replaced():
    path = control_path()
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(path)  # bound, never listening: nothing answers

    async def scenario():
        server = ControlServer(path, _echo)
        said = await server.start()
        reply = await asyncio.to_thread(send, Command(Verb.PAUSE))
        await server.close()
        return said, reply

    assert asyncio.run(scenario()) == (None, Reply(True, "got pause None "))


def test_ctl_without_a_monitor_is_one_sentence_and_exit_2():
    done = subprocess.run([sys.executable, "-m", "backmon", "ctl", "pause"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"backmon: no backmon monitor is running (nothing answers on {control_path()})\n"
    bad = subprocess.run([sys.executable, "-m", "backmon", "ctl", "snooze", "soon"], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2 and bad.stderr == "backmon: snooze takes a number of minutes, not 'soon'\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_check_in_takes_0_to_10_and_enter_or_no_terminal_skips():
    out = io.StringIO()
    assert ask_checkin(_Terminal("4\n"), out) == 4 and out.getvalue().startswith("How does your back feel, 0-10?")
    assert ask_checkin(_Terminal("\n"), io.StringIO()) is None
    assert ask_checkin(_Terminal("11\n7\n"), io.StringIO()) == 7
    assert ask_checkin(_Terminal(""), io.StringIO()) is None  # end of input
    assert ask_checkin(io.StringIO("4\n"), io.StringIO()) is None  # not a terminal: never asked

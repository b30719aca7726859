"""``backmon decode``: one JSON object per sample from notification hex; one-line errors, exit 2."""

import json
import subprocess
import sys

import pytest

from backmon.cli import main

WIT_1 = "5561000000040008000000200000000000200040"  # REFERENCES.md vectors
WIT_2 = "556100fc0000000800e00000000000e000000020"
MOVESENSE = "0242e80300000000803f000000c0000018410000003f0000a0bf00002041"  # layout comment's packet
BACKMON = "01210700a025260000000000102700000000000000200000000000000010000000200004000000fc"  # spec example


def decode(capsys, *args):
    code = main(["decode", *args])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_witmotion_vectors(capsys):
    code, records, err = decode(capsys, "--profile", "witmotion", WIT_1, WIT_2)
    assert code == 0 and err == ""
    assert records == [
        {"ax_g": 0.0, "ay_g": 0.5, "az_g": 1.0, "gx_dps": 0.0, "gy_dps": 500.0, "gz_dps": 0.0},
        {"ax_g": -0.5, "ay_g": 0.0, "az_g": 1.0, "gx_dps": -500.0, "gy_dps": 0.0, "gz_dps": 0.0}]


def test_witmotion_frame_split_across_two_arguments_and_a_battery_reply(capsys):
    battery = "5571640086010000000000000000000000000000"
    code, records, _ = decode(capsys, "--profile", "witmotion", WIT_1[:14], WIT_1[14:] + battery)
    assert code == 0
    assert records == [{"ax_g": 0.0, "ay_g": 0.5, "az_g": 1.0, "gx_dps": 0.0, "gy_dps": 500.0, "gz_dps": 0.0},
                       {"reply": "battery", "percent": None, "volts": 3.9}]


def test_movesense_with_its_rate_and_a_command_result(capsys):
    code, records, _ = decode(capsys, "--profile", "movesense", "--rate-hz", "52", "01 42 c8 00", MOVESENSE)
    assert code == 0
    # 1.0 / 9.80665 = 0.101972, -2.0 / 9.80665 = -0.203943, 9.5 / 9.80665 = 0.968730 (6 decimals)
    assert records == [
        {"reply": "command_result", "ref": 66, "status": 200, "body": None},
        {"ax_g": 0.101972, "ay_g": -0.203943, "az_g": 0.96873, "gx_dps": 0.5, "gy_dps": -1.25, "gz_dps": 10.0,
         "device_time_s": 1.0}]


def test_backmon_prints_device_time_and_seq(capsys):
    code, records, _ = decode(capsys, "--profile", "backmon", BACKMON)
    assert code == 0
    assert records == [
        {"ax_g": 0.0, "ay_g": 0.0, "az_g": 1.0, "gx_dps": 0.0, "gy_dps": 0.0, "gz_dps": 0.0,
         "device_time_s": 2.5, "seq": 7},
        {"ax_g": 0.5, "ay_g": 0.0, "az_g": 1.0, "gx_dps": 15.625, "gy_dps": 0.0, "gz_dps": -15.625,
         "device_time_s": 2.51, "seq": 7}]


def test_hex_may_carry_spaces_colons_and_0x(capsys):
    spaced = " ".join(WIT_1[i:i + 2] for i in range(0, 40, 2))
    colons = ":".join("0x" + WIT_1[i:i + 2] for i in range(0, 40, 2))
    assert decode(capsys, "--profile", "witmotion", spaced)[1] == decode(capsys, "--profile", "witmotion", colons)[1]


@pytest.mark.parametrize("args,message", [
    (["--profile", "witmotion", "55zz"], "notification 1: not hexadecimal bytes: '55zz'"),
    (["--profile", "witmotion", WIT_1, "556"], "notification 2: not hexadecimal bytes"),
    (["--profile", "witmotion", WIT_1[:30]], "15 bytes at the end wait for the rest of their frame"),
    (["--profile", "witmotion", "00112233" + WIT_1], "4 bytes are not part of any witmotion frame"),
    (["--profile", "movesense", MOVESENSE], "give the subscribed rate"),
    (["--profile", "movesense", "--rate-hz", "52", "0342" + MOVESENSE[4:]], "notification 1: GSP continuation"),
    (["--profile", "backmon", BACKMON[:-2]], "notification 1: backmon data packet of 39 bytes"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, message):
    code = main(["decode", *args])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("backmon: ") and message in err


def test_unknown_profile_is_an_argument_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["decode", "--profile", "thingy", WIT_1])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_no_traceback_from_the_installed_command():
    result = subprocess.run([sys.executable, "-m", "backmon", "decode", "--profile", "backmon", "0102"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "backmon: notification 1: backmon data packet of 2 bytes is not 16 + 12 * N (N >= 1)\n"

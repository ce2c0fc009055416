#!/usr/bin/env python3
"""Writes the elmulator scenarios the OBD tests and the benchmark serve (obd2.sim_scenario.v1).

elmulator answers by exact request, so each car is described here once — which controller
answers what — and every request the engines send is spelled out: with and without the
response-count digit, headers on, spaces off (as after ATH1 / ATS0), CAN frames padded to eight
bytes as cars send them. Run it after changing a car: python3 make_scenarios.py
"""

import json
from pathlib import Path

HERE = Path(__file__).parent


def bitmap(pids, base):
    mask = 0
    for pid in pids:
        if base < pid <= base + 32:
            mask |= 1 << (32 - (pid - base))
    return mask.to_bytes(4, "big")


ENGINE_PIDS = [0x01, 0x03, 0x04, 0x05, 0x0B, 0x0C, 0x0D, 0x0F, 0x10, 0x11, 0x1F, 0x20, 0x21, 0x2F, 0x31]
TRANS_PIDS = [0x01, 0x0D]
LIVE = {  # value bytes of each live PID: an idling, warm engine
    0x03: bytes([0x02, 0x00]),
    0x04: bytes([0x38]),
    0x05: bytes([0x7B]),
    0x0B: bytes([0x21]),
    0x0C: bytes([0x0B, 0xE0]),  # 760 rpm
    0x0D: bytes([0x00]),
    0x0F: bytes([0x43]),
    0x10: bytes([0x01, 0x54]),
    0x11: bytes([0x25]),
    0x1F: bytes([0x01, 0x2C]),
    0x21: bytes([0x00, 0x2A]),
    0x2F: bytes([0x9B]),
    0x31: bytes([0x04, 0xD2]),
}
FREEZE = {0x04: bytes([0x73]), 0x05: bytes([0x80]), 0x0C: bytes([0x21, 0x98]), 0x0D: bytes([0x38])}
VIN = b"1HGCM82633A004352"


def engine(request):
    service, args = request[0], request[1:]
    if service == 0x01:
        out = bytearray([0x41])
        for pid in args:
            if pid in (0x00, 0x20):
                out += bytes([pid]) + bitmap(ENGINE_PIDS, pid)
            elif pid == 0x01:
                out += bytes([0x01, 0x82, 0x07, 0x05, 0x01])  # MIL on, 2 codes; catalyst not complete
            elif pid in LIVE:
                out += bytes([pid]) + LIVE[pid]
        return bytes(out) if len(out) > 1 else None
    if service == 0x02:
        pid = args[0]
        if pid == 0x00:
            return bytes([0x42, 0x00, 0x00]) + bitmap(list(FREEZE) + [0x02], 0)
        if pid == 0x02:
            return bytes([0x42, 0x02, 0x00, 0x03, 0x01])  # stored by P0301
        if pid in FREEZE:
            return bytes([0x42, pid, 0x00]) + FREEZE[pid]
        return None
    if service == 0x03:
        return bytes([0x43, 0x02, 0x03, 0x01, 0x04, 0x20])
    if service == 0x07:
        return bytes([0x47, 0x01, 0x01, 0x71])
    if service == 0x0A:
        return bytes([0x4A, 0x01, 0x04, 0x20])
    if service == 0x04:
        return bytes([0x44])
    if service == 0x09 and args == bytes([0x02]):
        return bytes([0x49, 0x02, 0x01]) + VIN
    return None


def transmission(request):
    service, args = request[0], request[1:]
    if service == 0x01:
        out = bytearray([0x41])
        for pid in args:
            if pid == 0x00:
                out += bytes([0x00]) + bitmap(TRANS_PIDS, 0)
            elif pid == 0x01:
                out += bytes([0x01, 0x00, 0x00, 0x00, 0x00])
            elif pid == 0x0D:
                out += bytes([0x0D, 0x00])
        return bytes(out) if len(out) > 1 else None
    if service == 0x03:
        return bytes([0x43, 0x01, 0x07, 0x15])
    if service in (0x07, 0x0A):
        return bytes([service + 0x40, 0x00])
    if service == 0x04:
        return bytes([0x44])
    return None


def engine_without_counts(request):
    """The controller of issue 12: stored P0143 + P0196, pending P0300, permanent P0420, sent
    without the count byte ISO 15765-4 puts after the service byte (as some ECUs and adapters
    do), and the VIN without its count byte too. Everything else as the Accord's engine."""
    service, args = request[0], request[1:]
    if service == 0x03:
        return bytes([0x43, 0x01, 0x43, 0x01, 0x96])
    if service == 0x07:
        return bytes([0x47, 0x03, 0x00])
    if service == 0x0A:
        return bytes([0x4A, 0x04, 0x20])
    if service == 0x09 and args == bytes([0x02]):
        return bytes([0x49, 0x02]) + VIN
    return engine(request)


def frames(header, payload, pad):
    """ISO-TP frames of one answer, as the adapter prints them with headers on, spaces off;
    `pad` fills each frame to eight bytes (None: frames as long as their data)."""
    if len(payload) <= 7:
        raw = [bytes([len(payload)]) + payload]
    else:
        raw = [bytes([0x10 | (len(payload) >> 8), len(payload) & 0xFF]) + payload[:6]]
        for n, start in enumerate(range(6, len(payload), 7)):
            raw.append(bytes([0x20 | ((n + 1) & 0x0F)]) + payload[start:start + 7])
    if pad is not None:
        raw = [f + bytes([pad]) * (8 - len(f)) for f in raw]
    return [header + f.hex().upper() for f in raw]


def headerless(payload):
    """One answer as a clone that ignores ATH1 prints it: the data alone, or its numbered
    multi-line format (`014`, `0:…`, `1:…`) for answers over seven bytes."""
    if len(payload) <= 7:
        return [payload.hex().upper()]
    chunks = [payload[:6]] + [payload[i:i + 7] for i in range(6, len(payload), 7)]
    return [f"{len(payload):03X}"] + [f"{n & 0xF:X}:{c.hex().upper()}" for n, c in enumerate(chunks)]


ACCORD = (("7E8", engine, 0x00), ("7E9", transmission, 0xAA))


def answer_lines(request, ecus=ACCORD, headers=True):
    lines = []
    for header, ecu, pad in ecus:
        payload = ecu(request)
        if payload is not None:
            lines += frames(header, payload, pad) if headers else headerless(payload)
    return lines


def requests():
    single = [f"01{pid:02X}" for pid in sorted(set(ENGINE_PIDS + [0x00]))]
    six = ["0C", "0D", "05", "04", "11", "0F"]
    multi = ["010C0D", "01" + "".join(six), "010C0D05", "01" + "".join(six[:3]) + "0B10"]
    freeze = ["020000", "020200"] + [f"02{pid:02X}00" for pid in FREEZE]
    return single + multi + freeze + ["03", "07", "0A", "04", "0902", "0904", "0906", "090A"]


def car_commands(latency_ms, ecus=ACCORD, headers=True):
    commands = [
        {"request": "ATZ", "response_chunks": ["\r\rELM327 v1.5\r\r>"], "echo": True, "delay_ms": 5},
        {"request": "ATI", "response_chunks": ["ELM327 v1.5\r\r>"]},
        {"request": "STI", "response_chunks": ["?\r\r>"]},
        {"request": "ATRV", "response_chunks": ["12.6V\r\r>"]},
        {"request": "ATDPN", "response_chunks": ["A6\r\r>"]},
        {"request": "ATDP", "response_chunks": ["AUTO, ISO 15765-4 (CAN 11/500)\r\r>"]},
    ]
    for request in requests():
        lines = answer_lines(bytes.fromhex(request), ecus, headers)
        body = lines or ["NO DATA"]
        first = (["SEARCHING..."] if request == "0100" else []) + body
        commands.append({"request": request, "response_chunks": ["\r".join(first) + "\r\r>"], "delay_ms": latency_ms})
        if request == "0100":  # the search happens once; later 0100s answer at once
            commands.append({"request": request, "response_chunks": ["\r".join(body) + "\r\r>"], "delay_ms": latency_ms})
        if lines:
            for digit in range(1, 10):  # the response-count digit: stop after that many frames
                kept = lines[:digit]
                commands.append({
                    "request": request + str(digit),
                    "response_chunks": ["\r".join(kept) + "\r\r>"],
                    "delay_ms": latency_ms,
                })
    return commands


def scenario(scenario_id, description, commands):
    return {
        "schema_version": "obd2.sim_scenario.v1",
        "scenario_id": scenario_id,
        "synthetic": True,
        "description": description,
        "adapter_profile": "elm327_like_tcp",
        "defaults": {"at_response": "OK\r\r>", "obd_response": "NO DATA\r\r>"},
        "stream_split_bytes": None,
        "warnings": [],
        "commands": commands,
        "expected_scan_summary": {},
    }


def write(name, data):
    (HERE / f"{data['scenario_id']}.scenario.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


car = car_commands(0)
write("can11_two_ecus", scenario(
    "can11_two_ecus",
    "A 2003 Honda Accord on 11-bit CAN: engine (7E8) with P0301 + P0420 stored, P0171 pending, P0420 "
    "permanent, a freeze frame and the catalyst monitor incomplete; transmission (7E9) with P0715.",
    car,
))
write("drops_on_codes", scenario(
    "drops_on_codes",
    "The same car, but the adapter drops the connection when asked for stored codes.",
    [c for c in car if c["request"] != "03"]
    + [{"request": "03", "response_chunks": [], "post_action": "disconnect", "prompt": False}],
))
write("garbage", scenario(
    "garbage",
    "An adapter that resets fine, then answers OBD requests with line noise and no prompt.",
    [c for c in car if c["request"].startswith("AT") or c["request"] == "STI"]
    + [{"request": "0100", "response_chunks": ["\x07\x1b[?~ 7E8 06 41 ZZ\r\r>"]}],
))
write("can11_no_count_byte", scenario(
    "can11_no_count_byte",
    "An engine (7E8) on 11-bit CAN that leaves out the count byte: stored P0143 + P0196 "
    "(7E8054301430196), pending P0300 (7E803470300), permanent P0420 (7E8034A0420), the VIN "
    "without its count byte; frames not padded. Read with a count byte it shows C0301 alone.",
    car_commands(0, (("7E8", engine_without_counts, None),)),
))
write("can11_no_count_byte_headerless", scenario(
    "can11_no_count_byte_headerless",
    "The same engine behind a clone that ignores ATH1: 4301430196, 470300, 4A0420.",
    car_commands(0, (("7E8", engine_without_counts, None),), headers=False),
))

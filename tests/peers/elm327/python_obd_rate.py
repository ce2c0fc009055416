#!/usr/bin/env python3
"""python-OBD reading six PIDs round robin from an ELM327 at socket://HOST:PORT for SECONDS,
as a user of that library would (its defaults: fast mode on). Prints one JSON line:
{"values": N, "seconds": S, "values_per_second": R}. Used by crates/obd/benches/live_data.rs."""

import json
import sys
import time

import obd

host_port, seconds = sys.argv[1], float(sys.argv[2])
obd.logger.setLevel(obd.logging.CRITICAL)
connection = obd.OBD(f"socket://{host_port}", baudrate=38400, fast=True, timeout=2, check_voltage=False)
if not connection.is_connected():
    print(json.dumps({"error": f"python-OBD did not connect: {connection.status()}"}))
    sys.exit(1)
commands = [obd.commands.RPM, obd.commands.SPEED, obd.commands.COOLANT_TEMP,
            obd.commands.ENGINE_LOAD, obd.commands.THROTTLE_POS, obd.commands.INTAKE_TEMP]
values = 0
started = time.monotonic()
while time.monotonic() - started < seconds:
    for command in commands:
        response = connection.query(command, force=True)
        if not response.is_null():
            values += 1
elapsed = time.monotonic() - started
connection.close()
print(json.dumps({"values": values, "seconds": elapsed, "values_per_second": values / elapsed}))

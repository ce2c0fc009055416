#!/usr/bin/env python3
"""The decode bench's peer: zxing-cpp (PyPI `zxing-cpp`, Apache-2.0) reads the same image files
as our decoder. Prints one line per file: the file, a tab, the text read (empty when none).
Run, never linked or shipped: python3 zxing_read.py FILE..."""

import sys

import zxingcpp
from PIL import Image

formats = [zxingcpp.BarcodeFormat.Code39, zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.DataMatrix]
for path in sys.argv[1:]:
    found = zxingcpp.read_barcodes(Image.open(path), formats=formats)
    print(f"{path}\t{found[0].text if found else ''}")

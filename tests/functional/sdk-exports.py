#!/usr/bin/env python3
"""libcardcage must export exactly the SDK: every CC_API name declared in
include/cardcage/*.h, and nothing else."""
import os
import re
import subprocess
import sys

src = os.environ["CARDCAGE_SOURCE_ROOT"]
lib = sys.argv[1]

declared = set()
for name in os.listdir(os.path.join(src, "include", "cardcage")):
    if not name.endswith(".h"):
        continue
    text = open(os.path.join(src, "include", "cardcage", name)).read()
    # Drop preprocessor lines (the CC_API definition itself) and comments.
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    # Join declarations that span lines, then find the name of each CC_API
    # function (the identifier before its '(') or variable (before ';').
    for decl in re.findall(r"CC_API\s+([^;{]*)[;{]", text, re.S):
        decl = " ".join(decl.split())
        m = re.match(r"(.*?)\b(\w+)\s*\(", decl)
        if m:
            declared.add(m.group(2))
        else:
            declared.add(re.findall(r"(\w+)\s*$", decl)[0])

out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True,
                     check=True).stdout
exported = set()
for line in out.splitlines():
    parts = line.split()
    # AddressSanitizer adds an ODR indicator, __odr_asan.NAME, for each
    # exported variable of a sanitizer build: the compiler's, not the SDK's.
    # GNU ld's markers of the end of the data and of the image (_edata,
    # __bss_start, _end) are exported too when the library links one that
    # exports them (libSDL2 does): the linker's, not the SDK's either.
    if len(parts) == 3 and parts[1] in "TDBRVW" and not parts[2].startswith("__odr_asan") \
            and parts[2] not in ("_edata", "__bss_start", "_end"):
        exported.add(parts[2])

extra = sorted(exported - declared)
missing = sorted(declared - exported)
print(f"{len(declared)} SDK names declared, {len(exported)} exported")
if extra:
    print("exported but not in the SDK:", " ".join(extra))
if missing:
    print("declared in the SDK but not exported:", " ".join(missing))
sys.exit(1 if extra or missing else 0)

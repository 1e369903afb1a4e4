#!/bin/sh
# Build examples/out-of-tree-pci (a PCI card) against the installed SDK,
# run its unit test, then put the card into a slot of cardcage's PCI bus
# from the command line and find it in `info pci`.
. "$(dirname "$0")/out-of-tree-lib.sh"

oot_build "$SRC/examples/out-of-tree-pci" test-example-pci
[ -f "$OOT_BUILD/example-pci.so" ] || { echo "FAIL: no example-pci.so"; exit 1; }

help=$("$BUILD/cardcage" -L "$OOT_BUILD" -device example-pci,help)
echo "$help" | grep -q "addr=" || {
    echo "$help"; echo "FAIL: the PCI properties are not listed"; exit 1; }
out=$(printf 'info pci\nquit\n' | "$BUILD/cardcage" -L "$OOT_BUILD" -M isapc -nodefaults -S \
      -device pci-testhost,id=host -device example-pci,bus=pci.0,addr=5,id=card -monitor stdio)
echo "$out" | grep -q "device   5, function 0:" &&
    echo "$out" | grep -q "Class 2176: PCI device 1234:0001" &&
    echo "$out" | grep -q 'id "card"' || {
    echo "$out"; echo "FAIL: the card is not in slot 5"; exit 1; }
echo "PASS: a PCI card built against the installed SDK, tested, and plugged into slot 5"

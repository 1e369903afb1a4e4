# Shared by the out-of-tree example tests (sourced): stage the SDK as
# `meson install` installs it (headers and .pc files, nothing from the
# source tree), build one example against it, and run the example's own
# unit test with the installed harness and libcardcage.
#
#   oot_build EXAMPLE_DIR TEST_NAME   sets OOT_BUILD (the example's build dir)
set -eu
BUILD=${CARDCAGE_BUILD_ROOT:?}
SRC=${CARDCAGE_SOURCE_ROOT:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

oot_stage_sdk() {
    meson install -C "$BUILD" --destdir "$T/root" --no-rebuild --quiet >/dev/null
    pc=$(find "$T/root" -name cardcage-plugin.pc | head -n 1)
    [ -n "$pc" ] || { echo "FAIL: no cardcage-plugin.pc installed"; exit 1; }
    # The staged install lives under $T/root: point the .pc files there.
    prefix=$(sed -n 's/^prefix=//p' "$pc")
    for f in "$(dirname "$pc")"/cardcage-*.pc; do
        sed -i "s|^prefix=.*|prefix=$T/root$prefix|" "$f"
    done
    [ -f "$(dirname "$pc")/cardcage-harness.pc" ] || { echo "FAIL: no cardcage-harness.pc"; exit 1; }
    OOT_PKG_CONFIG_PATH=$(dirname "$pc")
}

oot_build() {
    example=$1
    test_name=$2
    [ -n "${OOT_PKG_CONFIG_PATH:-}" ] || oot_stage_sdk
    OOT_BUILD="$T/build-$(basename "$example")"
    PKG_CONFIG_PATH=$OOT_PKG_CONFIG_PATH meson setup "$OOT_BUILD" "$example" \
        >"$T/setup.log" 2>&1 || { cat "$T/setup.log"; echo "FAIL: meson setup"; exit 1; }
    meson compile -C "$OOT_BUILD" >"$T/compile.log" 2>&1 || {
        cat "$T/compile.log"; echo "FAIL: compile"; exit 1; }
    # It was compiled with the installed headers, not the tree's.
    grep -q "$T/root" "$OOT_BUILD/compile_commands.json" || {
        echo "FAIL: the example did not use the installed headers"; exit 1; }
    # Its unit test, built with the installed harness alone, runs and
    # passes (against the installed libcardcage).
    lib=$(dirname "$(find "$T/root" -name 'libcardcage.so*' | head -n 1)")
    LD_LIBRARY_PATH="$lib" meson test -C "$OOT_BUILD" >"$T/test.log" 2>&1 || {
        cat "$T/test.log" "$OOT_BUILD/meson-logs/testlog.txt"; echo "FAIL: the example's test"
        exit 1; }
    grep -q "^Ok: *1" "$T/test.log" || { cat "$T/test.log"; echo "FAIL: its test did not run"; exit 1; }
    grep -q "$test_name" "$OOT_BUILD/compile_commands.json" || {
        echo "FAIL: the test was not built"; exit 1; }
    # Nothing core-internal: only the installed headers were on its include path.
    if grep -q -- "-I$SRC" "$OOT_BUILD/compile_commands.json"; then
        echo "FAIL: the example reached into the source tree"; exit 1
    fi
}

#!/usr/bin/env python3
"""QMP against a running cardcage: over tcp, unix and stdio and on a -chardev
through -mon; negotiation per client; each command's result checked for real
values; the events the run-state changes emit, seen by two clients at once;
bad input answered with errors while the machine keeps running; a plugin's
own command and event; the SHUTDOWN reasons (quit, a guest, SIGTERM)."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmplib import QMP, free_port  # noqa: E402

BUILD = os.environ["CARDCAGE_BUILD_ROOT"]
CARDCAGE = os.path.join(BUILD, "cardcage")
SPIN = os.path.join(BUILD, "bench", "qmp", "spin.bin")
QMP_PLUGIN_DIR = os.path.join(BUILD, "tests", "plugins", "qmp")
failures = 0

REQUIRED = ["qmp_capabilities", "query-version", "query-status", "query-name",
            "query-commands", "query-qmp-schema", "query-machines", "query-cpus-fast",
            "stop", "cont", "system_reset", "system_powerdown", "quit", "qom-list",
            "qom-get", "qom-set", "qom-list-types", "device-list-properties",
            "query-chardev", "human-monitor-command", "send-key", "input-send-event"]


def check(name, ok, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if not ok else ""))
    failures += not ok


def error_class(r):
    return r.get("error", {}).get("class") if isinstance(r, dict) else None


def error_desc(r):
    return r.get("error", {}).get("desc", "") if isinstance(r, dict) else ""


def start(*args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL):
    return subprocess.Popen([CARDCAGE, "-M", "romtest", "-bios", SPIN, "-display", "none",
                             "-serial", "null", *args],
                            stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)


def stop_process(p):
    if p.poll() is None:
        p.kill()
    p.wait()


def test_two_clients(tmp):
    port = free_port()
    path = os.path.join(tmp, "qmp.sock")
    p = start("-S", "-L", QMP_PLUGIN_DIR,
              "-qmp", f"tcp:127.0.0.1:{port},server=on,wait=off",
              "-qmp", f"unix:{path},server=on,wait=off")
    try:
        a = QMP.connect_tcp(port)
        b = QMP.connect_unix(path)
        ga = a.recv_msg()
        gb = b.recv_msg()
        ver = ga.get("QMP", {}).get("version", {}).get("qemu", {})
        check("greeting has the version numbers and a capabilities list",
              all(isinstance(ver.get(k), int) for k in ("major", "minor", "micro")) and
              isinstance(ga["QMP"].get("capabilities"), list) and ga == gb, f"{ga} {gb}")

        r = a.cmd("query-status")
        check("a command before qmp_capabilities is refused",
              error_class(r) == "CommandNotFound" and "qmp_capabilities" in error_desc(r), r)
        check("qmp_capabilities", a.cmd("qmp_capabilities") == {"return": {}})
        r = a.cmd("qmp_capabilities")
        check("a second qmp_capabilities is refused", error_class(r) == "CommandNotFound", r)
        r = b.cmd("query-status")
        check("each client negotiates for itself", error_class(r) == "CommandNotFound", r)
        r = b.cmd("qmp_capabilities", {"enable": ["oob"]})
        check("an unknown capability is refused", error_class(r) == "GenericError", r)
        check("qmp_capabilities on the second client", b.cmd("qmp_capabilities") == {"return": {}})

        r = a.cmd("query-status", id="s1")
        check("-S: query-status says prelaunch, not running",
              r.get("return", {}).get("status") == "prelaunch" and
              r["return"].get("running") is False and r.get("id") == "s1", r)
        r = a.cmd("query-version", id={"n": [1, 2]})
        check("id of any JSON type is echoed", r.get("id") == {"n": [1, 2]}, r)
        check("query-version matches the greeting", r.get("return") == ga["QMP"]["version"], r)

        a.cmd("cont")
        ra, rb = a.wait_event("RESUME"), b.wait_event("RESUME")
        ts = ra.get("timestamp", {}) if ra else {}
        check("cont: both clients get RESUME with a timestamp",
              ra is not None and rb is not None and isinstance(ts.get("seconds"), int) and
              0 <= ts.get("microseconds", -1) < 1000000 and
              abs(ts["seconds"] - time.time()) < 60, f"{ra} {rb}")
        r = b.cmd("query-status")
        check("after cont the machine runs", r.get("return", {}).get("status") == "running" and
              r["return"]["running"] is True, r)
        r = b.cmd("stop")
        check("stop", r == {"return": {}}, r)
        ea, eb = a.wait_event("STOP"), b.wait_event("STOP")
        check("stop: both clients get STOP", ea is not None and eb is not None and
              "data" not in ea, f"{ea} {eb}")
        r = a.cmd("query-status")
        check("after stop query-status says paused",
              r.get("return", {}).get("status") == "paused" and r["return"]["running"] is False, r)
        r = a.cmd("stop")
        check("stop while paused is no error and sends no event",
              r == {"return": {}} and a.wait_event("STOP", timeout=0.5) is None, r)
        a.cmd("cont")
        a.wait_event("RESUME")
        b.wait_event("RESUME")

        r = a.cmd("query-commands")
        names = {c.get("name") for c in r.get("return", [])}
        missing = [n for n in REQUIRED + ["x-test-echo"] if n not in names]
        check("query-commands lists every command, the plugin's too", not missing, missing)
        r = a.cmd("query-qmp-schema")
        schema = {e["name"]: e for e in r.get("return", [])}
        cmd = schema.get("qom-get", {})
        args = schema.get(cmd.get("arg-type"), {})
        members = {m["name"]: m for m in args.get("members", [])}
        check("query-qmp-schema describes qom-get's arguments",
              cmd.get("meta-type") == "command" and set(members) == {"path", "property"} and
              members["path"]["type"] == "str" and "default" not in members["path"], cmd)
        ev = schema.get("SHUTDOWN", {})
        check("query-qmp-schema lists the events", ev.get("meta-type") == "event" and
              schema.get("X-TEST-ECHOED", {}).get("meta-type") == "event", ev)

        r = a.cmd("query-chardev")
        chardevs = {c["label"]: c for c in r.get("return", [])}
        check("query-chardev names the QMP backends with their addresses",
              chardevs.get("qmp0", {}).get("filename") == f"tcp:127.0.0.1:{port},server=on" and
              chardevs.get("qmp1", {}).get("filename") == f"unix:{path},server=on" and
              chardevs["qmp0"]["frontend-open"] is True, chardevs)
        r = a.cmd("query-cpus-fast")
        cpus = r.get("return", [])
        check("query-cpus-fast: one CPU, index 0, a QOM path that resolves",
              len(cpus) == 1 and cpus[0]["cpu-index"] == 0 and cpus[0]["target"] == "i386" and
              "return" in a.cmd("qom-list", {"path": cpus[0]["qom-path"]}), r)
        r = a.cmd("query-machines")
        machines = {m["name"]: m for m in r.get("return", [])}
        check("query-machines lists the boards, pc the default",
              {"isapc", "pc", "romtest"} <= set(machines) and
              machines["pc"].get("is-default") is True and "is-default" not in machines["isapc"],
              machines.keys())
        check("query-name is empty without a name", a.cmd("query-name") == {"return": {}})

        r = a.cmd("qom-list", {"path": "/machine"})
        props = {p["name"]: p["type"] for p in r.get("return", [])}
        check("qom-list /machine shows the CPU child", props.get("cpu", "").startswith("child<"),
              props)
        r = a.cmd("qom-get", {"path": "/machine/isa/debugcon", "property": "iobase"})
        check("qom-get reads the debug console's port from the board", r.get("return") == 0xe9, r)
        r = a.cmd("qom-get", {"path": "/machine/isa/debugcon", "property": "chardev"})
        check("qom-get of a string property", r.get("return") == "debugcon", r)
        r = a.cmd("qom-set", {"path": "/machine/isa/debugcon", "property": "iobase",
                              "value": 0x80})
        r2 = a.cmd("qom-get", {"path": "/machine/isa/debugcon", "property": "iobase"})
        check("qom-set of a realized device's property fails and changes nothing",
              error_class(r) == "GenericError" and r2.get("return") == 0xe9, f"{r} {r2}")
        r = a.cmd("qom-set", {"path": "/objects/qmp-test", "property": "counter", "value": 4242})
        r2 = b.cmd("qom-get", {"path": "/objects/qmp-test", "property": "counter"})
        check("qom-set then qom-get (another client) sees the value",
              r == {"return": {}} and r2.get("return") == 4242, f"{r} {r2}")
        r = a.cmd("qom-set", {"path": "/objects/qmp-test", "property": "counter", "value": "x"})
        check("qom-set with a value of the wrong type", error_class(r) == "GenericError", r)
        r = a.cmd("qom-get", {"path": "/no/such/thing", "property": "x"})
        check("qom-get of a missing object: DeviceNotFound", error_class(r) == "DeviceNotFound", r)
        r = a.cmd("qom-list-types", {"implements": "isa-device"})
        types = {t["name"]: t for t in r.get("return", [])}
        check("qom-list-types implements=isa-device", "isa-serial" in types and
              types["isa-serial"].get("parent") == "isa-device" and "i8254" in types, types.keys())
        r = a.cmd("qom-list-types", {"abstract": True, "implements": "device"})
        check("qom-list-types abstract=true marks abstract types",
              any(t["name"] == "isa-device" and t.get("abstract") is True
                  for t in r.get("return", [])), r)
        r = a.cmd("device-list-properties", {"typename": "isa-serial"})
        dprops = {p["name"]: p for p in r.get("return", [])}
        check("device-list-properties isa-serial: iobase uint16, default 0x3f8",
              dprops.get("iobase", {}).get("type") == "uint16" and
              dprops["iobase"].get("default-value") == 0x3f8, dprops)
        r = a.cmd("device-list-properties", {"typename": "no-such-device"})
        check("device-list-properties of an unknown type", error_class(r) == "DeviceNotFound", r)

        r = a.cmd("human-monitor-command", {"command-line": "info status"})
        check("human-monitor-command runs the monitor", r.get("return") == "VM status: running\n",
              r)
        r = a.cmd("human-monitor-command", {"command-line": "info chardev"})
        check("info chardev is query-chardev's view",
              f"qmp0: filename=tcp:127.0.0.1:{port},server=on" in r.get("return", ""), r)

        r = a.cmd("x-test-echo", {"text": "hello", "count": 3})
        ev = a.wait_event("X-TEST-ECHOED")
        check("a plugin's command runs and emits its event",
              r.get("return") == {"text": "hello", "count": 3} and
              ev is not None and ev.get("data") == {"text": "hello"}, f"{r} {ev}")
        r = a.cmd("x-test-echo", {"count": 3})
        check("a missing argument is refused before the handler runs",
              error_desc(r) == "Parameter 'text' is missing" and
              a.wait_event("X-TEST-ECHOED", timeout=0.3) is None, r)
        r = a.cmd("x-test-echo", {"text": "x", "colour": 1})
        check("an extra argument is refused", error_desc(r) == "Parameter 'colour' is unexpected", r)
        r = a.cmd("x-test-echo", {"text": 5})
        check("an ill-typed argument is refused",
              error_desc(r) == "Invalid parameter type for 'text', expected: string", r)

        r = a.cmd("send-key", {"keys": [{"type": "qcode", "data": "ctrl"},
                                        {"type": "qcode", "data": "alt"}], "hold-time": 10})
        check("send-key", r == {"return": {}}, r)
        r = a.cmd("send-key", {"keys": [{"type": "qcode", "data": "nokey"}]})
        check("send-key with an unknown key", error_class(r) == "GenericError", r)
        r = a.cmd("input-send-event", {"events": [
            {"type": "key", "data": {"down": True, "key": {"type": "qcode", "data": "a"}}},
            {"type": "key", "data": {"down": False, "key": {"type": "number", "data": 0x1e}}},
            {"type": "rel", "data": {"axis": "x", "value": 5}},
            {"type": "btn", "data": {"down": True, "button": "left"}}]})
        check("input-send-event", r == {"return": {}}, r)
        r = a.cmd("input-send-event", {"events": [{"type": "abs", "data": {"axis": "x",
                                                                           "value": 1}}]})
        check("input-send-event abs is refused", error_class(r) == "GenericError", r)

        # Bad input: each gets an error and the session carries on.
        for raw, name, want in [
            ('{"execute": "query-status",,}', "malformed JSON", "JSON parse error, "),
            ('[1, 2]', "a JSON array", "QMP input must be a JSON object"),
            ('{"arguments": {}}', "no 'execute'", "QMP input lacks member 'execute'"),
            ('{"execute": 42}', "'execute' not a string",
             "QMP input member 'execute' must be a string"),
            ('{"execute": "query-status", "arguments": []}', "'arguments' not an object",
             "QMP input member 'arguments' must be an object"),
            ('{"execute": "query-status", "colour": 1}', "an unexpected member",
             "QMP input member 'colour' is unexpected"),
        ]:
            a.send_raw(raw + "\n")
            r = a.recv_reply()
            check(f"{name}: GenericError '{want}'",
                  error_class(r) == "GenericError" and error_desc(r).startswith(want), r)
        r = a.cmd("no-such-command", id=7)
        check("an unknown command: CommandNotFound with the id",
              error_class(r) == "CommandNotFound" and r.get("id") == 7, r)
        a.send_raw('{"execute": "query-status", "arguments": {"x": "' + "a" * (2 << 20) + '"}}\n')
        r = a.recv_reply(timeout=30)
        check("a 2 MiB message is refused", error_class(r) == "GenericError" and
              "exceeds" in error_desc(r), r)
        a.send_raw('{"execute":"query-')
        time.sleep(0.1)
        a.send_raw('status"}{"execute":"query-name"}')
        r1, r2 = a.recv_reply(), a.recv_reply()
        check("a message in pieces, and two in one write",
              r1.get("return", {}).get("status") == "running" and r2 == {"return": {}},
              f"{r1} {r2}")
        nested = "[" * 1000 + "]" * 1000
        a.send_raw('{"execute": "query-status", "arguments": {"x": ' + nested + '}}\n')
        r = a.recv_reply()
        check("deep nesting is refused", error_class(r) == "GenericError", r)
        a.send_raw(b"\xff\xfe garbage \x00 {{{ \n")
        r = a.recv_reply()
        check("binary garbage gets an error reply", error_class(r) == "GenericError", r)
        # A client that sends many commands before reading any reply: the
        # replies (megabytes, far more than a socket buffer holds) all come,
        # whole and in order.
        n = 300
        a.send_raw("".join('{"execute": "query-qmp-schema", "id": %d}' % i for i in range(n)))
        time.sleep(1.0)
        replies = [a.recv_reply(timeout=30) for _ in range(n)]
        ids = [r.get("id") if r else None for r in replies]
        whole = all(r and isinstance(r.get("return"), list) and len(r["return"]) > 50
                    for r in replies)
        check(f"{n} pipelined query-qmp-schema replies arrive whole and in order",
              whole and ids == list(range(n)), ids[:5] + ["..."] + ids[-5:])
        r = b.cmd("query-status")
        check("the other client and the machine are unaffected",
              r.get("return", {}).get("status") == "running", r)

        # A client that goes away in the middle of a message.
        a.send_raw('{"execute": "query-sta')
        a.close()
        time.sleep(0.2)
        a = QMP.connect_tcp(port)
        g = a.recv_msg()
        r = a.cmd("query-status")
        check("after a disconnect mid-command the next client starts afresh",
              "QMP" in (g or {}) and error_class(r) == "CommandNotFound", f"{g} {r}")
        a.cmd("qmp_capabilities")

        r = a.cmd("system_reset")
        e = b.wait_event("RESET")
        check("system_reset emits RESET with its reason",
              r == {"return": {}} and e is not None and
              e.get("data") == {"guest": False, "reason": "host-qmp-system-reset"}, f"{r} {e}")
        r = a.cmd("system_powerdown")
        e = b.wait_event("POWERDOWN")
        check("system_powerdown emits POWERDOWN", r == {"return": {}} and e is not None, e)
        r = a.cmd("query-status")
        check("still running after reset and powerdown",
              r.get("return", {}).get("status") == "running", r)

        r = a.cmd("quit")
        e = b.wait_event("SHUTDOWN")
        status = p.wait(10)
        check("quit: SHUTDOWN host-qmp-quit on the other client, exit status 0",
              r == {"return": {}} and e is not None and
              e.get("data") == {"guest": False, "reason": "host-qmp-quit"} and status == 0,
              f"{r} {e} {status}")
        a.close()
        b.close()
    finally:
        stop_process(p)
    err = p.stderr.read().decode(errors="replace")
    check("nothing on stderr", err.strip() == "", err)


def test_stdio():
    p = start("-qmp", "stdio", "-name", "guest=web,,1,debug-threads=on",
              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        q = QMP(p.stdout.fileno(), p.stdin.fileno())
        g = q.negotiate()
        r = q.cmd("query-status")
        check("-qmp stdio: greeting, negotiation, query-status",
              "QMP" in g and r.get("return", {}).get("status") == "running", r)
        r = q.cmd("query-name")
        check("-name reaches query-name (',,' a comma)", r == {"return": {"name": "web,1"}}, r)
        r = q.cmd("human-monitor-command", {"command-line": "info name"})
        check("info name prints it", r == {"return": "web,1\n"}, r)
        r = q.cmd("quit")
        e = q.wait_event("SHUTDOWN")
        check("-qmp stdio: quit", r == {"return": {}} and e is not None and p.wait(10) == 0,
              f"{r} {e}")
    finally:
        stop_process(p)


def test_mon(tmp):
    qpath, hpath = os.path.join(tmp, "c.sock"), os.path.join(tmp, "h.sock")
    p = start("-set", "post.exit-on=1", "-S",
              "-chardev", f"socket,id=ctl,path={qpath},server=on,wait=off",
              "-mon", "chardev=ctl,mode=control,pretty=on",
              "-chardev", f"socket,id=hum,path={hpath},server=on,wait=off",
              "-mon", "chardev=hum,mode=readline")
    try:
        q = QMP.connect_unix(qpath)
        # pretty=on: one message spans lines; read until it parses.
        text = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text += os.read(q.rfd, 65536)
            try:
                g = json.loads(text)
                break
            except ValueError:
                continue
        check("-mon mode=control,pretty=on: an indented greeting", b"\n" in text.strip() and
              "QMP" in g, text)
        h = socket.socket(socket.AF_UNIX)
        h.connect(hpath)
        h.settimeout(5)
        out = b""
        while b"(cardcage) " not in out:
            out += h.recv(4096)
        h.sendall(b"info status\n")
        while b"VM status" not in out or not out.endswith(b"(cardcage) "):
            out += h.recv(4096)
        check("-mon mode=readline: the human monitor", b"VM status: paused (prelaunch)" in out,
              out)
        # The guest writes POST code 01 at once: with exit-on=1 that is a
        # guest shutdown.
        q.send_raw('{"execute": "qmp_capabilities"}')
        h.sendall(b"cont\n")
        text = b""
        deadline = time.monotonic() + 10
        while b"SHUTDOWN" not in text and time.monotonic() < deadline:
            chunk = os.read(q.rfd, 65536)
            if not chunk:
                break
            text += chunk
        check("a guest shutdown: SHUTDOWN guest-shutdown, guest true",
              b'"reason":"guest-shutdown"' in text.replace(b" ", b"") and
              b'"guest":true' in text.replace(b" ", b"") and p.wait(10) == 0, text)
        h.close()
        q.close()
    finally:
        stop_process(p)


def test_signal(tmp):
    path = os.path.join(tmp, "sig.sock")
    p = start("-qmp", f"unix:{path},server=on,wait=off")
    try:
        q = QMP.connect_unix(path)
        q.negotiate()
        p.send_signal(signal.SIGTERM)
        e = q.wait_event("SHUTDOWN")
        status = p.wait(10)
        err = p.stderr.read().decode(errors="replace")
        check("SIGTERM: SHUTDOWN host-signal, a message, exit status 0",
              e is not None and e.get("data") == {"guest": False, "reason": "host-signal"} and
              status == 0 and "terminating on signal 15" in err, f"{e} {status} {err}")
        q.close()
    finally:
        stop_process(p)


def test_bad_options():
    for args, want in [
        (["-mon", "mode=control"], "-mon mode=control: expected chardev=ID"),
        (["-mon", "chardev=nope,mode=control"], "QMP monitor: no character backend 'nope'"),
        (["-qmp", "tcp:nohost.invalid:x"], "-qmp tcp:nohost.invalid:x: "),
    ]:
        p = subprocess.run([CARDCAGE, "-M", "isapc", *args], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=30)
        check(f"bad option {' '.join(args)}", p.returncode == 1 and want in p.stderr and
              len(p.stderr.strip().splitlines()) == 1, p.stderr)


def main():
    for f in (CARDCAGE, SPIN):
        if not os.path.exists(f):
            print(f"missing {f}")
            return 1
    with tempfile.TemporaryDirectory() as tmp:
        test_two_clients(tmp)
        test_stdio()
        test_mon(tmp)
        test_signal(tmp)
    test_bad_options()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""cardcage-img against qemu-img (package qemu-utils).

  img.py CARDCAGE-IMG

- images cardcage-img makes (create in every option, convert, commit, rebase,
  resize, snapshot) pass `qemu-img check` and `qemu-img compare` equal to what
  they should hold;
- images qemu-img/qemu-io make (v2, v3, compressed, 2 MiB and 512 B clusters,
  backing chains, snapshots, leaks, corruption) are read, checked and compared
  by cardcage-img with qemu-img's results and exit codes;
- `info --output=json` (and --backing-chain) agrees with qemu-img's on every
  common field; `map --output=json` and `compare` print what qemu-img prints;
- bad input (sizes, missing files, non-images, unknown -o keys, convert onto
  the source, unknown options) is one line on stderr naming the file, a
  nonzero exit, never a crash;
- nbd+unix://, nbd:// and iscsi:// filenames (qemu-nbd, and tgtd as root)
  work in info, convert (from and, with -n, into) and compare as on
  qemu-img (each part skips with a line when its server is missing).

Skips (exit 77) without qemu-img, unless CARDCAGE_REQUIRE_GUESTS=1.
"""
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

IMG = os.path.abspath(sys.argv[1])
FAILS = []
COUNT = [0]
D = None


def run(*args, ok=(0,)):
    p = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120, cwd=D)
    if ok is not None and p.returncode not in ok:
        raise RuntimeError("%s -> %d\n%s%s" % (" ".join(map(str, args)), p.returncode,
                                               p.stdout, p.stderr))
    return p


def cc(*args, ok=(0,)):
    return run(IMG, *args, ok=ok)


def qi(*args, ok=(0,)):
    return run("qemu-img", *args, ok=ok)


def qio(img, cmd, fmt="qcow2"):
    return run("qemu-io", "-f", fmt, "-c", cmd, img)


def check(cond, what):
    COUNT[0] += 1
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def p(name):
    return os.path.join(D, name)


def random_raw(name, size, seed, holes=True):
    """A raw file of random-ish data with zero holes (so sparseness shows)."""
    rnd = random.Random(seed)
    with open(p(name), "wb") as f:
        f.truncate(size)
        step = 256 << 10
        for off in range(0, size, step):
            if holes and rnd.random() < 0.4:
                continue
            f.seek(off)
            # compressible half, random half
            blk = bytes([rnd.randrange(256)]) * (step // 2) + rnd.randbytes(step // 2)
            f.write(blk[:min(step, size - off)])
    return p(name)


def qemu_clean(img, what):
    r = qi("check", img, ok=None)
    check(r.returncode == 0 and "No errors" in r.stdout, "qemu-img check clean: " + what)


def same(a, b, what, fa=None, fb=None):
    args = ["compare"] + (["-f", fa] if fa else []) + (["-F", fb] if fb else []) + [a, b]
    r = qi(*args, ok=None)
    check(r.returncode == 0, "qemu-img compare equal: %s (%s)"
          % (what, r.stdout.strip().replace("\n", "; ")))


def qinfo(img, *extra):
    return json.loads(qi("info", "--output=json", *extra, img).stdout)


def cinfo(img, *extra):
    return json.loads(cc("info", "--output=json", *extra, img).stdout)


COMMON = ["virtual-size", "filename", "format", "actual-size", "cluster-size", "dirty-flag",
          "backing-filename", "full-backing-filename", "backing-filename-format",
          "snapshots", "format-specific"]


def info_agrees(img, what, *extra):
    q, c = qinfo(img, *extra), cinfo(img, *extra)
    qs, cs = (q, c) if isinstance(q, list) else ([q], [c])
    bad = []
    if len(qs) != len(cs):
        bad.append("chain length %d vs %d" % (len(qs), len(cs)))
    for a, b in zip(qs, cs):
        for k in COMMON:
            if a.get(k) != b.get(k):
                bad.append("%s: qemu %r cardcage %r" % (k, a.get(k), b.get(k)))
    check(not bad, "info --output=json %s agrees with qemu-img %s" % (" ".join(extra), what)
          + ("" if not bad else ": " + "; ".join(bad)))


# ---------------------------------------------------------------------------

def test_create():
    cases = [
        ("raw", "c-raw.img", []),
        ("qcow2", "c-v3.qcow2", []),
        ("qcow2", "c-v2.qcow2", ["-o", "compat=0.10"]),
        ("qcow2", "c-512.qcow2", ["-o", "cluster_size=512"]),
        ("qcow2", "c-2m.qcow2", ["-o", "cluster_size=2M,refcount_bits=64"]),
        ("qcow2", "c-rc1.qcow2", ["-o", "refcount_bits=1,lazy_refcounts=on"]),
        ("qcow2", "c-meta.qcow2", ["-o", "preallocation=metadata"]),
        ("qcow2", "c-falloc.qcow2", ["-o", "preallocation=falloc"]),
        ("qcow2", "c-full.qcow2", ["-o", "preallocation=full"]),
        ("raw", "c-full.img", ["-o", "preallocation=full"]),
    ]
    for fmt, name, opts in cases:
        cc("create", "-q", "-f", fmt, *opts, name, "20M")
        q = qinfo(p(name))
        check(q["format"] == fmt and q["virtual-size"] == 20 << 20,
              "create %s %s: qemu-img info sees %s, 20 MiB" % (fmt, " ".join(opts), fmt))
        if fmt == "qcow2":
            qemu_clean(p(name), "create " + " ".join(opts))
        info_agrees(p(name), "after create %s %s" % (fmt, " ".join(opts)))
    q = qinfo(p("c-2m.qcow2"))
    check(q["cluster-size"] == 2 << 20 and q["format-specific"]["data"]["refcount-bits"] == 64,
          "cluster_size=2M,refcount_bits=64 are in the image")
    check(qinfo(p("c-v2.qcow2"))["format-specific"]["data"]["compat"] == "0.10",
          "compat=0.10 makes a v2 image")
    check(qinfo(p("c-rc1.qcow2"))["format-specific"]["data"]["lazy-refcounts"] is True,
          "lazy_refcounts=on is in the image")
    # suffixes
    for s, n in [("1536", 1536), ("64k", 64 << 10), ("1.5M", 3 << 19), ("2G", 2 << 30),
                 ("1T", 1 << 40)]:
        cc("create", "-q", "-f", "qcow2", "sz.qcow2", s)
        check(qinfo(p("sz.qcow2"))["virtual-size"] == n, "size %s is %d bytes" % (s, n))
    # backing file: size and format taken from it
    qi("create", "-q", "-f", "raw", "base.raw", "20M")
    qio(p("base.raw"), "write -P 0x11 0 1M", "raw")
    cc("create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", "ov.qcow2")
    q = qinfo(p("ov.qcow2"))
    check(q.get("backing-filename") == "base.raw" and q.get("backing-filename-format") == "raw"
          and q["virtual-size"] == 20 << 20, "create -b -F: backing name, format, size")
    same(p("ov.qcow2"), p("base.raw"), "overlay reads its backing file")
    cc("create", "-q", "-f", "qcow2", "-b", "ov.qcow2", "ov2.qcow2")
    check(qinfo(p("ov2.qcow2")).get("backing-filename-format") == "qcow2",
          "create -b without -F records the probed format")


def test_info_agreement():
    qi("create", "-q", "-f", "qcow2", "q-v3.qcow2", "32M")
    qio(p("q-v3.qcow2"), "write -P 0x22 1M 2M")
    qi("snapshot", "-c", "first", p("q-v3.qcow2"))
    qio(p("q-v3.qcow2"), "write -P 0x23 5M 64k")
    qi("snapshot", "-c", "second", p("q-v3.qcow2"))
    qi("create", "-q", "-f", "qcow2", "-o", "compat=0.10", "q-v2.qcow2", "32M")
    qi("create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on,refcount_bits=8",
       "q-lazy.qcow2", "32M")
    qi("create", "-q", "-f", "qcow2", "-b", "q-v3.qcow2", "-F", "qcow2", "q-ov.qcow2")
    qi("create", "-q", "-f", "qcow2", "-b", "q-ov.qcow2", "-F", "qcow2", "q-ov2.qcow2")
    os.makedirs(p("sub"), exist_ok=True)
    qi("create", "-q", "-f", "qcow2", "-b", "../q-v3.qcow2", "-F", "qcow2", "sub/rel.qcow2")
    for name in ["q-v3.qcow2", "q-v2.qcow2", "q-lazy.qcow2", "q-ov.qcow2", "q-ov2.qcow2",
                 "sub/rel.qcow2", "base.raw"]:
        info_agrees(name, name)
    info_agrees("q-ov2.qcow2", "q-ov2.qcow2 chain", "--backing-chain")
    info_agrees(p("sub/rel.qcow2"), "absolute path with a relative backing file")
    h = cc("info", "q-v3.qcow2").stdout
    check("Snapshot list:" in h and "first" in h and "second" in h and
          "virtual size: 32 MiB (33554432 bytes)" in h, "human info lists size and snapshots")
    hq = qi("info", "q-v3.qcow2").stdout
    sl = lambda t: [l for l in t.splitlines() if l.startswith(("ID ", "1 ", "2 "))]
    check(sl(h) == sl(hq), "snapshot table lines as qemu-img prints them")
    fs = lambda t: t[t.index("Format specific"):]
    check(fs(h) == fs(hq), "format specific information as qemu-img prints it")


def test_convert():
    src = random_raw("src.raw", 24 << 20, 1)
    for opts, name in [([], "cv-v3.qcow2"), (["-o", "compat=0.10"], "cv-v2.qcow2"),
                       (["-o", "cluster_size=2M"], "cv-2m.qcow2"), (["-c"], "cv-c.qcow2"),
                       (["-c", "-o", "cluster_size=4k"], "cv-c4k.qcow2")]:
        cc("convert", "-f", "raw", "-O", "qcow2", *opts, src, name)
        qemu_clean(p(name), "convert raw -> qcow2 " + " ".join(opts))
        same(p(name), src, "convert raw -> qcow2 " + " ".join(opts))
    c = json.loads(qi("check", "--output=json", p("cv-c.qcow2")).stdout)
    check(c.get("compressed-clusters", 0) > 0, "convert -c writes compressed clusters (%d)"
          % c.get("compressed-clusters", 0))
    # sparse: holes are not allocated
    a = json.loads(qi("check", "--output=json", p("cv-v3.qcow2")).stdout)
    check(a["allocated-clusters"] < a["total-clusters"] * 0.8,
          "convert leaves zero areas unallocated (%d of %d clusters)"
          % (a["allocated-clusters"], a["total-clusters"]))
    # qemu-made images of every kind -> raw through cardcage
    qi("convert", "-c", "-O", "qcow2", src, "qc.qcow2")
    qi("convert", "-O", "qcow2", "-o", "cluster_size=2M", src, "q2m.qcow2")
    qi("convert", "-O", "qcow2", "-o", "cluster_size=512,compat=0.10", src, "q512.qcow2")
    for name in ["qc.qcow2", "q2m.qcow2", "q512.qcow2", "cv-c.qcow2"]:
        cc("convert", "-O", "raw", name, name + ".raw")
        same(p(name + ".raw"), src, "cardcage convert %s -> raw" % name, "raw", "raw")
    st = os.stat(p("q2m.qcow2.raw"))
    check(st.st_blocks * 512 < 20 << 20, "raw output is sparse (%d KiB allocated)"
          % (st.st_blocks // 2))
    # a backing chain converts to its full view; several inputs concatenate
    qi("create", "-q", "-f", "qcow2", "-b", "q2m.qcow2", "-F", "qcow2", "cv-ov.qcow2")
    qio(p("cv-ov.qcow2"), "write -P 0x5a 3M 100k")
    cc("convert", "-O", "qcow2", "cv-ov.qcow2", "cv-flat.qcow2")
    same(p("cv-flat.qcow2"), p("cv-ov.qcow2"), "convert flattens a backing chain")
    check("backing-filename" not in qinfo(p("cv-flat.qcow2")), "converted image has no backing")
    cc("convert", "-p", "-O", "raw", "base.raw", "base.raw", "cat.raw")
    check(os.path.getsize(p("cat.raw")) == 40 << 20, "two inputs concatenate")
    # a raw file of a size that is not whole sectors reads as rounded up
    with open(p("odd.raw"), "wb") as f:
        f.write(random.Random(3).randbytes(1000000))
    cc("convert", "-O", "qcow2", "odd.raw", "odd.qcow2")
    same(p("odd.raw"), p("odd.qcow2"), "convert of a 1000000-byte raw file", "raw", "qcow2")
    info_agrees("odd.raw", "for a raw file of 1000000 bytes")
    r = cc("convert", "-p", "-O", "raw", src, "prog.raw")
    check("100.00/100%" in r.stdout, "convert -p draws a progress bar")


def test_snapshot():
    src = p("src.raw")
    cc("convert", "-O", "qcow2", src, "sn.qcow2")
    cc("snapshot", "-c", "s1", "sn.qcow2")
    qemu_clean(p("sn.qcow2"), "after snapshot -c")
    l = qi("snapshot", "-l", p("sn.qcow2")).stdout
    check("s1" in l, "qemu-img snapshot -l lists cardcage's snapshot")
    qio(p("sn.qcow2"), "write -P 0x77 0 4M")
    r = qi("compare", p("sn.qcow2"), src, ok=None)
    check(r.returncode == 1, "the image changed after the snapshot")
    cc("snapshot", "-a", "s1", "sn.qcow2")
    same(p("sn.qcow2"), src, "snapshot -a restores the content")
    qemu_clean(p("sn.qcow2"), "after snapshot -a")
    qi("snapshot", "-c", "qs", p("sn.qcow2"))
    cl = cc("snapshot", "-l", "sn.qcow2").stdout
    check("s1" in cl and "qs" in cl, "snapshot -l lists both tools' snapshots")
    cc("snapshot", "-d", "s1", "sn.qcow2")
    cc("snapshot", "-d", "qs", "sn.qcow2")
    qemu_clean(p("sn.qcow2"), "after snapshot -d")
    check("snapshots" not in qinfo(p("sn.qcow2")), "snapshot -d removes them")
    r = cc("snapshot", "-a", "nosuch", "sn.qcow2", ok=None)
    check(r.returncode == 1 and "nosuch" in r.stderr, "applying a missing snapshot: error")


def test_resize():
    src = p("src.raw")
    cc("convert", "-O", "qcow2", src, "rs.qcow2")
    cc("resize", "rs.qcow2", "+8M")
    check(qinfo(p("rs.qcow2"))["virtual-size"] == 32 << 20, "resize +8M grows a qcow2")
    qemu_clean(p("rs.qcow2"), "after growing")
    r = qi("compare", src, p("rs.qcow2"), ok=None)
    check(r.returncode == 0, "grown image keeps its data (%s)"
          % r.stdout.strip().replace("\n", "; "))
    r = cc("resize", "rs.qcow2", "16M", ok=None)
    check(r.returncode == 1 and "--shrink" in r.stderr, "shrinking needs --shrink")
    cc("resize", "--shrink", "rs.qcow2", "-16M")
    check(qinfo(p("rs.qcow2"))["virtual-size"] == 16 << 20, "resize --shrink -16M")
    qemu_clean(p("rs.qcow2"), "after shrinking")
    with open(src, "rb") as f, open(p("head.raw"), "wb") as g:
        g.write(f.read(16 << 20))
    same(p("rs.qcow2"), p("head.raw"), "shrunk image holds the first 16 MiB")
    shutil.copy(src, p("rs.raw"))
    cc("resize", "-f", "raw", "rs.raw", "30M")
    check(os.path.getsize(p("rs.raw")) == 30 << 20, "resize a raw image")


def test_commit_rebase():
    src = p("src.raw")
    qi("convert", "-O", "qcow2", src, "cb.qcow2")
    qi("create", "-q", "-f", "qcow2", "-b", "cb.qcow2", "-F", "qcow2", "co.qcow2")
    qio(p("co.qcow2"), "write -P 0x31 1M 3M")
    qio(p("co.qcow2"), "write -z 8M 2M")
    qi("convert", "-O", "raw", p("co.qcow2"), p("co-expect.raw"))
    cc("commit", "co.qcow2")
    same(p("cb.qcow2"), p("co-expect.raw"), "commit writes the overlay into its backing file")
    same(p("co.qcow2"), p("co-expect.raw"), "the overlay still reads the same after commit")
    qemu_clean(p("cb.qcow2"), "base after commit")
    qemu_clean(p("co.qcow2"), "overlay after commit")
    m = json.loads(qi("map", "--output=json", p("co.qcow2")).stdout)
    check(all(e["depth"] == 1 for e in m), "commit empties the overlay")
    # rebase, safe: the view stays; unsafe: only the name changes
    qi("convert", "-O", "qcow2", src, "rb-old.qcow2")
    qi("create", "-q", "-f", "qcow2", "-b", "rb-old.qcow2", "-F", "qcow2", "rb.qcow2")
    qio(p("rb.qcow2"), "write -P 0x41 2M 64k")
    qi("convert", "-O", "raw", p("rb.qcow2"), p("rb-expect.raw"))
    random_raw("rb-new.raw", 24 << 20, 2)
    cc("rebase", "-b", "rb-new.raw", "-F", "raw", "rb.qcow2")
    q = qinfo(p("rb.qcow2"))
    check(q.get("backing-filename") == "rb-new.raw" and q.get("backing-filename-format") == "raw",
          "rebase changes the backing file and format")
    same(p("rb.qcow2"), p("rb-expect.raw"), "safe rebase keeps what the image reads")
    qemu_clean(p("rb.qcow2"), "after rebase")
    cc("rebase", "-b", "", "rb.qcow2")
    check("backing-filename" not in qinfo(p("rb.qcow2")), "rebase -b '' removes the backing file")
    same(p("rb.qcow2"), p("rb-expect.raw"), "rebase onto nothing keeps what the image reads")
    qemu_clean(p("rb.qcow2"), "after rebase -b ''")
    cc("rebase", "-u", "-b", "nowhere.qcow2", "-F", "qcow2", "rb.qcow2")
    q = json.loads(qi("info", "--output=json", "-U", p("rb.qcow2")).stdout)
    check(q.get("backing-filename") == "nowhere.qcow2", "rebase -u only rewrites the name")
    cc("rebase", "-u", "-b", "rb-new.raw", "-F", "raw", "rb.qcow2")
    check(qinfo(p("rb.qcow2")).get("backing-filename") == "rb-new.raw",
          "rebase -u onto an existing file")
    qemu_clean(p("rb.qcow2"), "after rebase -u")


def corrupt_refcount(img, cluster_index, value, extend=False):
    """Set the 16-bit refcount of a cluster in the first refcount block."""
    with open(img, "r+b") as f:
        h = f.read(104)
        cbits = struct.unpack(">I", h[20:24])[0]
        rt = struct.unpack(">Q", h[48:56])[0]
        f.seek(rt)
        rb = struct.unpack(">Q", f.read(8))[0]
        f.seek(rb + 2 * cluster_index)
        f.write(struct.pack(">H", value))
        if extend:
            f.seek(0, 2)
            f.write(b"\0" * (1 << cbits))


def stat_line(out):
    """The "N/M = a% allocated, f% fragmented, c% compressed clusters" line."""
    return [ln for ln in out.splitlines() if "fragmented" in ln]


def test_fragmentation():
    """Clusters written in shuffled order lie out of order in the file: both
    tools count the same fragmented clusters, with 64 KiB clusters (one L2
    table) and with 512-byte ones spread over many L2 tables (the count
    starts again at each table)."""
    for name, csize, stride in (("frag.qcow2", 65536, 1), ("frag512.qcow2", 512, 37)):
        qi("create", "-q", "-f", "qcow2", "-o", "cluster_size=%d" % csize, name, "4M")
        order = list(range(48))
        random.Random(csize).shuffle(order)
        cmds = []
        for i in order:
            cmds += ["-c", "write -P %d %d %d" % (i + 1, i * stride * csize, csize)]
        run("qemu-io", "-f", "qcow2", *cmds, p(name))
        a = json.loads(cc("check", "--output=json", name).stdout)
        b = json.loads(qi("check", "--output=json", name).stdout)
        check(b.get("fragmented-clusters", 0) > 0,
              "%s: qemu-img finds fragmented clusters (%r)" % (name, b.get("fragmented-clusters")))
        for k in ["allocated-clusters", "fragmented-clusters"]:
            check(a.get(k) == b.get(k), "%s: check --output=json %s agrees (%r vs qemu %r)"
                  % (name, k, a.get(k), b.get(k)))
        lc, lq = stat_line(cc("check", name).stdout), stat_line(qi("check", name).stdout)
        check(lc == lq and len(lc) == 1,
              "%s: the fragmentation line as qemu-img prints it (%r vs %r)" % (name, lc, lq))


def test_check():
    for name in ["qc.qcow2", "q2m.qcow2", "q512.qcow2", "q-v3.qcow2", "q-v2.qcow2"]:
        r = cc("check", name, ok=None)
        check(r.returncode == 0 and "No errors" in r.stdout, "cardcage-img check %s: clean"
              % name)
    # compressed: the counts agree with qemu-img's
    a = json.loads(cc("check", "--output=json", "qc.qcow2").stdout)
    b = json.loads(qi("check", "--output=json", "qc.qcow2").stdout)
    for k in ["image-end-offset", "total-clusters", "allocated-clusters", "compressed-clusters",
              "fragmented-clusters", "check-errors", "filename", "format"]:
        check(a.get(k) == b.get(k), "check --output=json %s agrees (%r vs qemu %r)"
              % (k, a.get(k), b.get(k)))
    # a leak: exit 3 in both, repaired by -r leaks
    qi("create", "-q", "-f", "qcow2", "leak.qcow2", "8M")
    size = os.path.getsize(p("leak.qcow2"))
    with open(p("leak.qcow2"), "r+b") as f:
        f.truncate((size + 65535) // 65536 * 65536)
    corrupt_refcount(p("leak.qcow2"), (size + 65535) // 65536, 1, extend=True)
    rq, rc = qi("check", p("leak.qcow2"), ok=None), cc("check", "leak.qcow2", ok=None)
    check(rq.returncode == 3 and rc.returncode == 3 and "1 leaked clusters" in rc.stdout,
          "a leaked cluster: exit 3 in both tools (%d, %d)" % (rq.returncode, rc.returncode))
    j = json.loads(cc("check", "--output=json", "leak.qcow2", ok=(3,)).stdout)
    check(j.get("leaks") == 1, "check --output=json counts the leak")
    r = cc("check", "-r", "leaks", "leak.qcow2", ok=None)
    check(r.returncode == 0 and "1 leaked clusters" in r.stdout, "check -r leaks repairs it")
    qemu_clean(p("leak.qcow2"), "after check -r leaks")
    # a corruption: a used cluster with refcount 0
    qi("create", "-q", "-f", "qcow2", "bad.qcow2", "8M")
    qio(p("bad.qcow2"), "write -P 1 0 64k")
    corrupt_refcount(p("bad.qcow2"), 3, 0)
    rq, rc = qi("check", p("bad.qcow2"), ok=None), cc("check", "bad.qcow2", ok=None)
    check(rq.returncode == 2 and rc.returncode == 2,
          "a refcount of 0 on a used cluster: exit 2 in both tools (%d, %d)"
          % (rq.returncode, rc.returncode))
    r = cc("check", "-r", "all", "bad.qcow2", ok=None)
    check(r.returncode == 0, "check -r all repairs it (%d)" % r.returncode)
    qemu_clean(p("bad.qcow2"), "after check -r all")
    # a lazy-refcounts image whose writer was killed: dirty, both say so
    qi("create", "-q", "-f", "qcow2", "-o", "lazy_refcounts=on", "dirty.qcow2", "8M")
    run("qemu-io", "-f", "qcow2", "-c", "write -P 3 0 64k", "-c", "sigraise 9", "dirty.qcow2",
        ok=None)
    info_agrees("dirty.qcow2", "for a dirty image")
    check(cinfo("dirty.qcow2")["dirty-flag"] is True, "a killed lazy-refcounts writer: dirty")
    rq, rc = qi("check", p("dirty.qcow2"), ok=None), cc("check", "dirty.qcow2", ok=None)
    check(rq.returncode == rc.returncode == 2, "dirty image: exit 2 in both tools (%d, %d)"
          % (rq.returncode, rc.returncode))
    r = cc("check", "-r", "all", "dirty.qcow2", ok=None)
    check(r.returncode == 0 and cinfo("dirty.qcow2")["dirty-flag"] is False,
          "check -r all repairs it and clears the dirty bit (%d)" % r.returncode)
    qemu_clean(p("dirty.qcow2"), "dirty image after check -r all")
    r = cc("check", "base.raw", ok=None)
    rq = qi("check", p("base.raw"), ok=None)
    check(r.returncode == rq.returncode == 63, "check of a raw image: exit 63 as qemu-img (%d)"
          % r.returncode)


def test_compare_map():
    src = p("src.raw")
    shutil.copy(src, p("cmp.raw"))
    with open(p("cmp.raw"), "r+b") as f:
        f.seek((5 << 20) + 700)
        f.write(b"\x99")
    qi("convert", "-O", "qcow2", p("cmp.raw"), p("cmp.qcow2"))
    cases = [(src, p("cv-v3.qcow2"), []), (src, p("cmp.qcow2"), []),
             (p("cv-c.qcow2"), p("cmp.raw"), []), (src, p("rs.raw"), []),
             (src, p("rs.raw"), ["-s"]), (p("c-v3.qcow2"), p("c-meta.qcow2"), ["-s"]),
             (p("cv-v3.qcow2"), p("qc.qcow2"), [])]
    for a, b, opts in cases:
        rq = qi("compare", *opts, a, b, ok=None)
        rc = cc("compare", *opts, a, b, ok=None)
        check(rq.returncode == rc.returncode and rq.stdout == rc.stdout,
              "compare %s %s %s: %d %r (qemu-img: %d %r)"
              % (" ".join(opts), os.path.basename(a), os.path.basename(b), rc.returncode,
                 rc.stdout.strip().replace("\n", " "), rq.returncode,
                 rq.stdout.strip().replace("\n", " ")))
    for name in ["cv-v3.qcow2", "q-v3.qcow2", "q2m.qcow2", "c-meta.qcow2"]:
        mq = json.loads(qi("map", "--output=json", p(name)).stdout)
        mc = json.loads(cc("map", "--output=json", name).stdout)
        check(mq == mc, "map --output=json %s as qemu-img's" % name)
        check(qi("map", p(name)).stdout.replace(p(""), "") == cc("map", name).stdout,
              "map (human) %s as qemu-img's" % name)


def one_line_error(r, what, must=None, code=None):
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    good = (r.returncode > 0 and len(lines) == 1 and lines[0].startswith("cardcage-img: ")
            and (must is None or must in lines[0]) and (code is None or r.returncode == code))
    check(good, "%s: exit %d, %r" % (what, r.returncode, r.stderr.strip()))


def test_errors():
    for s in ["12Q", "abc", "-5", "1.2.3M", "", "99999999999999999999", "16E"]:
        one_line_error(cc("create", "-f", "qcow2", "e.qcow2", s, ok=None),
                       "create with size %r" % s, "e.qcow2")
    one_line_error(cc("info", "missing.qcow2", ok=None), "info of a missing file",
                   "missing.qcow2")
    one_line_error(cc("check", "missing.qcow2", ok=None), "check of a missing file",
                   "missing.qcow2")
    one_line_error(cc("compare", "missing.qcow2", "base.raw", ok=None),
                   "compare with a missing file", "missing.qcow2", 2)
    one_line_error(cc("convert", "missing.qcow2", "x.raw", ok=None),
                   "convert of a missing file", "missing.qcow2")
    one_line_error(cc("info", "-f", "qcow2", "base.raw", ok=None),
                   "a raw file opened as qcow2", "base.raw")
    with open(p("trunc.qcow2"), "wb") as f:
        f.write(open(p("q-v3.qcow2"), "rb").read(100))
    one_line_error(cc("info", "-f", "qcow2", "trunc.qcow2", ok=None),
                   "a truncated qcow2", "trunc.qcow2")
    one_line_error(cc("create", "-f", "qcow2", "-o", "frobnicate=1", "e.qcow2", "1M", ok=None),
                   "an unknown -o key", "frobnicate")
    one_line_error(cc("create", "-f", "qcow2", "-o", "cluster_size=3000", "e.qcow2", "1M",
                      ok=None), "a bad cluster size", None)
    one_line_error(cc("create", "-f", "qcow2", "-o", "compat=2.0", "e.qcow2", "1M", ok=None),
                   "a bad compat", None)
    one_line_error(cc("create", "-f", "vmdk", "e.vmdk", "1M", ok=None), "an unknown format",
                   "vmdk")
    shutil.copy(p("cv-v3.qcow2"), p("self.qcow2"))
    one_line_error(cc("convert", "-O", "qcow2", "self.qcow2", "self.qcow2", ok=None),
                   "convert onto the source", "self.qcow2")
    same(p("self.qcow2"), p("src.raw"), "the refused convert left the source alone")
    one_line_error(cc("convert", "-O", "raw", "ov.qcow2", "base.raw", ok=None),
                   "convert onto the input's backing file", "base.raw")
    one_line_error(cc("frob", ok=None), "an unknown verb", "frob")
    one_line_error(cc("info", "-z", "base.raw", ok=None), "an unknown option", "-z")
    one_line_error(cc("check", "-r", "some", "base.raw", ok=None), "check -r some", "some")
    one_line_error(cc("info", "--output=xml", "base.raw", ok=None), "--output=xml", "xml")
    one_line_error(cc("resize", "base.raw", "+zz", ok=None), "resize by a bad size",
                   "base.raw")
    one_line_error(cc("snapshot", "-c", "x", "base.raw", ok=None),
                   "a snapshot of a raw image", "base.raw")
    one_line_error(cc("commit", "base.raw", ok=None), "commit without a backing file",
                   "base.raw")
    one_line_error(cc("rebase", "-b", "missing.raw", "ov.qcow2", ok=None),
                   "rebase onto a missing file", "missing.raw")
    # an image a writer holds (qemu-io, with QEMU's lock bytes): refused
    # with a message, looked at with -U
    w = subprocess.Popen(["qemu-io", "-f", "qcow2", p("q-v3.qcow2")], stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=D)
    try:
        import time
        time.sleep(0.5)
        one_line_error(cc("info", "q-v3.qcow2", ok=None), "info of an image a writer holds",
                       "q-v3.qcow2")
        r = cc("info", "-U", "--output=json", "q-v3.qcow2", ok=None)
        check(r.returncode == 0 and json.loads(r.stdout)["format"] == "qcow2",
              "info -U looks at it anyway")
    finally:
        w.stdin.close()
        w.wait(timeout=30)
    r = cc("--help")
    check(r.returncode == 0 and "convert" in r.stdout, "--help lists the verbs")
    for v in ["create", "info", "check", "convert", "snapshot", "resize", "commit", "rebase",
              "compare", "map"]:
        r = cc(v, "--help")
        check(r.returncode == 0 and r.stdout.startswith("usage: cardcage-img " + v),
              "%s --help" % v)


def url_checks(url, name, src, fmt, qemu=True):
    """A served image, which holds what src holds, read through cardcage-img
    as through qemu-img: info (the format probed through the protocol),
    convert, compare.  qemu=False: a protocol this qemu-img lacks (Debian
    builds its iscsi driver as a module of qemu-block-extra); what it would
    print is then checked as known from the other protocols."""
    info = cinfo(url)
    if qemu:
        info_agrees(url, "on %s" % name)
    check(info.get("format") == fmt and info.get("virtual-size") == os.path.getsize(src),
          "info %s: format %s, size %d" % (name, fmt, os.path.getsize(src)))
    out = p("from-%s.raw" % name)
    cc("convert", "-O", "raw", url, out)
    same(out, src, "convert -O raw %s" % name)
    changed = p("url-changed.raw")
    shutil.copy(src, changed)
    with open(changed, "r+b") as f:
        f.seek((3 << 20) + 4097)
        f.write(b"\x5a")
    # qemu-img's words: the first differing sector's offset.
    said = ["Images are identical.\n", "Content mismatch at offset %d!\n" % ((3 << 20) + 4096)]
    for other, want in ((src, 0), (changed, 1)):
        rc = cc("compare", url, other, ok=None)
        rq = qi("compare", url, other, ok=None) if qemu else None
        qs = (rq.returncode, rq.stdout) if rq else (want, said[want])
        check(rc.returncode == want and (rc.returncode, rc.stdout) == qs,
              "compare %s %s: %d %r (qemu-img: %d %r)"
              % (name, os.path.basename(other), rc.returncode, rc.stdout.strip(),
                 qs[0], qs[1].strip()))


def test_urls():
    """nbd+unix://, nbd:// and iscsi:// filenames go through the nbd and
    iscsi plugins' drivers, as cardcage's -drive file= does; the servers are
    qemu-nbd and tgtd (blockservers.py)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from blockservers import iscsi_server, nbd_server, why_not_iscsi, why_not_nbd
    build = os.environ["CARDCAGE_BUILD_ROOT"]
    src = random_raw("url-src.raw", 6 << 20, 21)
    qi("convert", "-O", "qcow2", src, p("url-src.qcow2"))
    why = why_not_nbd(build)
    if why:
        print("SKIP nbd URLs: " + why)
    else:
        # The qcow2 file exported byte for byte: qcow2 over NBD.
        with nbd_server(p("url-src.qcow2"), p("nbd.sock")) as url:
            url_checks(url, "nbd+unix", src, "qcow2")
        target = random_raw("url-target.raw", 6 << 20, 22)
        shutil.copy(target, p("url-target-copy.raw"))
        with nbd_server(target, None, tcp=True) as url:
            url_checks(url, "nbd", p("url-target-copy.raw"), "raw")
            # Writing through the URL into the export (-n: it exists).
            cc("convert", "-n", "-O", "raw", src, url)
        same(target, src, "convert -n into nbd:// wrote the export")
    why = why_not_iscsi(build)
    if why:
        print("SKIP iscsi URLs: " + why)
    else:
        lun = p("url-lun.raw")
        shutil.copy(src, lun)
        with iscsi_server(lun) as url:
            r = qi("info", url, ok=None)
            if r.returncode:
                print("     (qemu-img cannot open iscsi:// here: %s)"
                      % r.stderr.strip().splitlines()[-1])
            url_checks(url, "iscsi", src, "raw", qemu=r.returncode == 0)


def main():
    if not shutil.which("qemu-img") or not shutil.which("qemu-io"):
        msg = "qemu-img/qemu-io not installed (package qemu-utils)"
        if os.environ.get("CARDCAGE_REQUIRE_GUESTS") == "1":
            print("FAIL " + msg)
            return 1
        print("SKIP " + msg)
        return 77
    global D
    D = tempfile.mkdtemp(prefix="cardcage-img-")
    try:
        for t in [test_create, test_info_agreement, test_convert, test_snapshot, test_resize,
                  test_commit_rebase, test_check, test_fragmentation, test_compare_map,
                  test_errors, test_urls]:
            try:
                t()
            except RuntimeError as e:
                print("FAIL", t.__name__, e)
                FAILS.append(str(e))
    finally:
        shutil.rmtree(D, ignore_errors=True)
    print("%d checks, %d failure(s)" % (COUNT[0], len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

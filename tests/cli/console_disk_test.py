#!/usr/bin/env python3
"""`smartvm console --disk IMAGE` on an svfs image, end to end (no /dev/kvm):

    console_disk_test.py BUILD_DIR

mkfs.svfs makes an image and svfs-cp puts a config into it; a console
session driven through a pipe lists and reads it, makes a directory and
copies the config there, and halts; svfs-cp gets the copy back byte for
byte, fsck.svfs -n finds the image clean, and a second session finds the
copy (the changes were committed). Unknown commands and wrong arguments
get usage messages; a damaged image or a missing one is refused with exit
status 2 and a message, not a crash.
"""
import os
import re
import subprocess
import sys
import tempfile

CONFIG = "name = g\nmemory = 16M\nimage = /vm/g.img\n"

SESSION1 = """ls /etc/vm
cat /etc/vm/g.cfg
mkdir /vm/x
cp /etc/vm/g.cfg /vm/x/copy.cfg
ls /
bogus
ls a b c
cp /etc/vm/g.cfg
df
halt
mkdir /after-halt
"""

EXPECT1 = [
    r"smartvm> ls /etc/vm\ng\.cfg\n",
    r"smartvm> cat /etc/vm/g\.cfg\n" + re.escape(CONFIG),
    r"smartvm> mkdir /vm/x\nsmartvm> cp /etc/vm/g\.cfg /vm/x/copy\.cfg\n"
    r"smartvm> ls /\n",
    r"bogus: unknown command \(try help\)\n",
    r"ls: usage: ls",
    r"cp: usage: cp SRC DST\n",
    r"0 +svfs +/\n",
    r"smartvm> halt\n",
]

SESSION2 = """ls /vm/x
cat /vm/x/copy.cfg
ls /after-halt
"""

EXPECT2 = [
    r"smartvm> ls /vm/x\ncopy\.cfg\n",
    r"smartvm> cat /vm/x/copy\.cfg\n" + re.escape(CONFIG),
    r"ls: /after-halt: no such file or entry\n",   # halt left the loop
]


def run(argv, want=0, stdin=None):
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                       timeout=60)
    print("$", " ".join(os.path.basename(a) for a in argv[:1]) + " "
          + " ".join(argv[1:]), "->", p.returncode)
    if p.stdout.strip():
        print(p.stdout.rstrip())
    if p.stderr.strip():
        print(p.stderr.rstrip())
    if want is not None and p.returncode != want:
        raise SystemExit("FAILED: %s exited %d, expected %d"
                         % (argv[0], p.returncode, want))
    return p


def expect(out, patterns, what):
    bad = [e for e in patterns if not re.search(e, out)]
    if bad:
        raise SystemExit("FAILED: %s: missing %r" % (what, bad))


def main():
    build = sys.argv[1]
    smartvm, mkfs, fsck, cp = (os.path.join(build, t) for t in
                               ("smartvm", "mkfs.svfs", "fsck.svfs",
                                "svfs-cp"))
    with tempfile.TemporaryDirectory(prefix="console-disk-") as d:
        img = os.path.join(d, "disk.img")
        cfg = os.path.join(d, "g.cfg")
        back = os.path.join(d, "back.cfg")
        with open(cfg, "w") as f:
            f.write(CONFIG)
        run([mkfs, img, "16M"])
        run([cp, img, "put", cfg, "/etc/vm/g.cfg"])

        out = run([smartvm, "console", "--disk", img], stdin=SESSION1).stdout
        expect(out, EXPECT1, "first session")
        if "after-halt" in out:
            raise SystemExit("FAILED: a command after halt ran")

        run([cp, img, "get", "/vm/x/copy.cfg", back])
        with open(back) as f:
            if f.read() != CONFIG:
                raise SystemExit("FAILED: /vm/x/copy.cfg came back different")
        listing = run([cp, img, "ls", "/"]).stdout
        if "var" not in listing or "dev" in listing:
            raise SystemExit("FAILED: the image's root should hold the "
                             "layout (var) and no dev")
        run([fsck, "-n", img], want=0)

        out = run([smartvm, "console", "--disk", img], stdin=SESSION2).stdout
        expect(out, EXPECT2, "second session")
        run([fsck, "-n", img], want=0)

        # bad arguments: usage, status 2
        p = run([smartvm, "console", "--disk"], want=2)
        if "usage: smartvm console" not in p.stderr:
            raise SystemExit("FAILED: no usage for a missing IMAGE")
        p = run([smartvm, "console", "--help"])
        if "--disk IMAGE" not in p.stdout or "svfs" not in p.stdout:
            raise SystemExit("FAILED: console --help does not describe --disk")

        # a missing image and a damaged one: refused, status 2, no crash
        p = run([smartvm, "console", "--disk", os.path.join(d, "nope.img")],
                want=2, stdin="ls\n")
        if "nope.img" not in p.stderr:
            raise SystemExit("FAILED: no message for a missing image")
        with open(img, "r+b") as f:    # wreck the superblock
            f.write(b"\xff" * 64)
        p = run([smartvm, "console", "--disk", img], want=2, stdin="ls\n")
        if "cannot mount" not in p.stderr or "smartvm>" in p.stdout:
            raise SystemExit("FAILED: a damaged image was not refused "
                             "plainly")
    print("PASSED")


if __name__ == "__main__":
    main()

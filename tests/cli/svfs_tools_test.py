#!/usr/bin/env python3
"""The svfs host tools end to end (no /dev/kvm needed):

    svfs_tools_test.py BUILD_DIR

mkfs.svfs makes an image, svfs-cp puts a config and a sparse guest disk
into it and gets them back byte for byte, ls lists them, fsck.svfs finds
the image clean (exit 0); a damaged superblock is refused, not a crash.
"""
import os
import subprocess
import sys
import tempfile


def run(argv, want=0):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    print("$", " ".join(argv[1:]) if len(argv) > 1 else argv[0],
          "->", p.returncode)
    if p.stdout.strip():
        print(p.stdout.rstrip())
    if p.stderr.strip():
        print(p.stderr.rstrip())
    if want is not None and p.returncode != want:
        raise SystemExit("FAILED: %s exited %d, expected %d"
                         % (argv[0], p.returncode, want))
    return p


def main():
    build = sys.argv[1]
    mkfs, fsck, cp = (os.path.join(build, t)
                      for t in ("mkfs.svfs", "fsck.svfs", "svfs-cp"))
    with tempfile.TemporaryDirectory(prefix="svfs-") as d:
        img = os.path.join(d, "disk.img")
        cfg = os.path.join(d, "guest.cfg")
        big = os.path.join(d, "guest.img")
        with open(cfg, "w") as f:
            f.write("name = guest\nimage = guest.elf\nformat = multiboot\n")
        with open(big, "wb") as f:     # sparse: 1 GiB with two written spots
            f.write(b"head")
            f.seek(1 << 30)
            f.write(b"tail")
        run([mkfs, img, "64M"])
        run([cp, img, "put", cfg, "/etc/vm/guest.cfg"])
        run([cp, img, "put", big, "/vm/guest.img"])
        listing = run([cp, img, "ls", "/vm"]).stdout
        if "guest.img" not in listing:
            raise SystemExit("FAILED: ls /vm does not list guest.img")
        for src, path in ((cfg, "/etc/vm/guest.cfg"), (big, "/vm/guest.img")):
            out = os.path.join(d, "back")
            run([cp, img, "get", path, out])
            with open(src, "rb") as a, open(out, "rb") as b:
                if a.read() != b.read():
                    raise SystemExit("FAILED: %s came back different" % path)
            os.unlink(out)
        if os.path.getsize(img) != 64 << 20:
            raise SystemExit("FAILED: the image changed size")
        run([fsck, "-n", img], want=0)
        with open(img, "r+b") as f:    # wreck the superblock
            f.write(b"\xff" * 64)
        p = run([fsck, "-n", img], want=None)
        if p.returncode in (0, 1) or p.returncode < 0:
            raise SystemExit("FAILED: fsck on a wrecked superblock exited %d"
                             % p.returncode)
    print("PASSED")


if __name__ == "__main__":
    main()

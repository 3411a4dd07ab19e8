#!/usr/bin/env python3
"""`smartvm console` driven through a pipe: a script of commands in, the
transcript out, checked line by line for each command's output.

    console_test.py SMARTVM
"""
import re
import subprocess
import sys

SCRIPT = """help
mkdir /etc/vm/t
ls /etc/vm
cp /etc/vm/t /x
cat /etc/nope
mv "/etc/vm/t" /vm
ls -l /vm
rmdir /vm/t
log
vm list
mem
bogus "unterminated
df
halt
ls
"""

EXPECT = [
    r"smartvm> help\ncommands \(help COMMAND for more\):",
    r"smartvm> ls /etc/vm\nt/\n",
    r"cp: /etc/vm/t: is a directory\n",
    r"cat: /etc/nope: no such file or entry\n",
    r"smartvm> ls -l /vm\nd +0  t/\n",
    r"log: no log yet \(/var/log/smartvm.log is not present\)\n",
    r"vm list: VMs are not built into this console yet\n",
    r"mem: not available on this host\n",
    r"console: unterminated quote\n",
    r"0      ramfs     /\n",
    r"smartvm> halt\n",
]


def main():
    r = subprocess.run([sys.argv[1], "console"], input=SCRIPT.encode(),
                       capture_output=True, timeout=30)
    out = r.stdout.decode(errors="replace")
    bad = [e for e in EXPECT if not re.search(e, out)]
    if r.returncode != 0 or bad or "smartvm> ls\n" in out.split("halt")[-1]:
        print(out)
        print("status", r.returncode, "missing:", bad, file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

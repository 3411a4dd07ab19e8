#!/usr/bin/env bash
# Fuzz svfs (fs/svfs.c, fs/svfs_fsck.c: what fsck.svfs and the mount code
# run on an image found on a disk) with libFuzzer for a bounded time.
#
#   tests/fuzz/fuzz_svfs.sh [SECONDS [WORKDIR]]
#
# Builds fuzz_svfs.c with clang -fsanitize=fuzzer,address,undefined, seeds
# a corpus with the images gen_svfs_corpus.c makes through mkfs and the
# VFS, and fuzzes for SECONDS (default 60). The corpus grows in
# WORKDIR/corpus (default ${TMPDIR:-/tmp}/sv-fuzz-svfs) and is kept for the
# next run; an input that crashes is saved as WORKDIR/crash-* (replay it
# with WORKDIR/fuzz_svfs FILE).
#
# Exit status: 0 no finding, 1 a crash, leak, sanitizer report, oracle
# failure or build error, 77 clang or its libFuzzer runtime is missing
# (Debian packages clang and libclang-rt-14-dev), which CTest reports as
# skipped.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-60}
work=${2:-${TMPDIR:-/tmp}/sv-fuzz-svfs}
cc=${CLANG:-clang}

. "$here/fuzz_lib.sh"
fuzz_probe

# svfs, the VFS and what they use from common/, built with the sanitizers.
sources=("$root/fs/svfs.c" "$root/fs/svfs_fsck.c" "$root/fs/vfs.c"
	"$root/common/digest.c" "$root/common/string.c" "$root/common/format.c")
cflags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -Wall -Wextra
	-I"$root/common/include" -I"$root/fs/include"
	-fsanitize=address,undefined -fno-sanitize-recover=all)

fuzz_build "${cflags[@]}" -fsanitize=fuzzer "$here/fuzz_svfs.c" \
	"${sources[@]}" -o "$work/fuzz_svfs"
fuzz_build "${cflags[@]}" "$here/gen_svfs_corpus.c" "${sources[@]}" \
	-o "$work/gen_svfs_corpus"
"$work/gen_svfs_corpus" "$work/seeds"

# -max_len: the largest image the target uses as it is (1 MiB).
fuzz_run "svfs" "$work/fuzz_svfs" "$secs" -timeout=20 -max_len=1048576

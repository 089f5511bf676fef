#!/bin/bash
# Builds Espruino's real interpreter for Linux, shaped like the boards Omamori runs on, for
# `npm run test:espruino` (scripts/espruino-real/run.ts). Needs a clone of Espruino's source:
#   git clone https://github.com/espruino/Espruino            (checked with 2v29, commit c5ff787b19)
#   ESPRUINO_GIT=Espruino/.git OUT=<folder for the binaries> bash scripts/espruino-real/build-espruino/build.sh
# (about 5-10 min on 2 cores; installs gcc-multilib with apt-get when it is missing). Nothing of
# Espruino is kept in this repository: the board files and patches here are the only changes.
# OUT gets:
#   espruino            Linux default: growing variable store, 256 KB Storage (handy for writing files)
#   espruino-2630       Puck.js v2: 2630 variables of 13 bytes, 32-bit, flash memory-mapped, Storage 10 x 4 KB
#   espruino-2630min    Puck.js minimal firmware: same, Storage 24 x 4 KB, no crypto/graphics libraries
#   espruino-puckflash  Puck.js flash layout with a growing store (for long runs that would not fit 2630)
#   espruino-12000      Bangle.js 2-like: 12000 variables, unicode, AES-CCM; Storage NOT memory-mapped (external flash)
# Built with master c5ff787b19 (2v29.277). The six ARM *.lib blobs missing from snapshots are not needed.
set -e
R=$(cd "$(dirname "$0")" && pwd)
: "${ESPRUINO_GIT:?set ESPRUINO_GIT to the git directory of an Espruino clone}"; : "${OUT:?set OUT}"
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
S=$(mktemp -d)/espruino-src; mkdir -p "$S"
export GIT_DIR=$ESPRUINO_GIT                                # Espruino's Makefile runs `git log` for the version
git archive HEAD -- . ':!*.lib' | tar -x -C "$S"
command -v gcc >/dev/null && dpkg -s gcc-multilib >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gcc-multilib g++-multilib; }
(cd "$S" && patch -p1 -s < "$R/espruino-stdin-eof.patch")   # stdin EOF no longer feeds junk into the console
for v in 2630 2630min puckflash 12000; do cp -a "$S" "$S-$v"; done
for v in 2630 2630min puckflash; do cp "$R/LINUX_PUCKJS.py" "$S-$v/boards/"; (cd "$S-$v" && patch -p1 -s < "$R/espruino-mmap-flash.patch"); done
cp "$R/LINUX_BANGLEJS2.py" "$S-12000/boards/"
( cd "$S"           && make -j2 >/dev/null )
( cd "$S-2630"      && BOARD=LINUX_PUCKJS VARIABLES=2630 PUCK_FLASH=1 make -j2 >/dev/null )
( cd "$S-2630min"   && BOARD=LINUX_PUCKJS VARIABLES=2630 PUCK_FLASH=min PUCK_MIN=1 make -j2 >/dev/null )
( cd "$S-puckflash" && BOARD=LINUX_PUCKJS VARIABLES=0 PUCK_FLASH=1 make -j2 >/dev/null )
( cd "$S-12000"     && BOARD=LINUX_BANGLEJS2 VARIABLES=12000 make -j2 >/dev/null )
cp "$S/bin/espruino" "$OUT/espruino"
for v in 2630 2630min puckflash 12000; do cp "$S-$v/bin/espruino" "$OUT/espruino-$v"; done
v=$(mktemp -d)/version.js; echo 'print("VER "+process.env.VERSION+" "+JSON.stringify(process.memory()));quit();' > "$v"
for b in "$OUT"/espruino*; do echo "$(basename "$b"): $(timeout -k 2 10 "$b" "$v" </dev/null 2>/dev/null | tr -d '\r' | grep -ao 'VER .*' | head -1)"; done

#!/bin/false
# Linux build of Espruino made to resemble a Bangle.js 2 (nRF52840) for checking Omamori firmware against the real interpreter.
# Not an Espruino board: fixed variable store, 32-bit, Storage on flash that is not memory-mapped, as on the watch.
import pinutils;
import os;
PUCK_FLASH = os.environ.get('PUCK_FLASH','0')=='1'
info = {
 'name' : "Linux build resembling Bangle.js 2",
 'default_console' : "EV_USBSERIAL",
 'variables' : 12000, # like boards/BANGLEJS2.py; overridden by VARIABLES env
 'binary_name' : 'espruino',
 'build' : {
   'libraries' : [
     'GRAPHICS',
     'CRYPTO','SHA256','SHA512',
     'AES_CCM',
   ],
   'makefile' : [
     'CFLAGS+=-m32', 'LDFLAGS+=-m32', 'DEFINES+=-DUSE_CALLFUNCTION_HACK',
     'DEFINES+=-DSPIFLASH_BASE=0 -DSPIFLASH_LENGTH=FLASH_SAVED_CODE_LENGTH', # Storage.read -> flash strings (not copied to RAM), as in LINUX.py
     'DEFINES+=-DESPR_UNICODE_SUPPORT=1',
     'LINUX=1',
   ]
 }
};
chip = {
  'part' : "LINUX",
  'family' : "LINUX",
  'package' : "",
  'ram' : 0,
  'flash' : 40 if PUCK_FLASH else 256,
  'speed' : -1,
  'usart' : 6,
  'spi' : 3,
  'i2c' : 3,
  'adc' : 0,
  'dac' : 0,
};
if PUCK_FLASH:
  # Puck.js: Storage is 10 pages of 4096 bytes
  chip['saved_code'] = { 'address' : 0x10000000, 'page_size' : 4096, 'pages' : 10, 'flash_available' : 40 }
devices = {
  'USB' : {}
};
def get_pins():
  return pinutils.generate_pins(0,32)

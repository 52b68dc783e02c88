#!/bin/sh
# Debian's Chromium without CAP_SYS_NICE, at the CPU priority an ordinary user's browser has.
# Run as root (CI's container, the development machine) Chromium raises its renderer, compositor
# and IO threads to nice -8; on the app server's own cores the test browsers would then outrank the
# server and its worker, which no student's browser can do. harness/browser.py uses this
# wrapper only when it runs as root.
exec setpriv --bounding-set=-sys_nice /usr/bin/chromium "$@"

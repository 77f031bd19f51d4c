#!/bin/sh
# tmpfs-root.sh PROGRAM [ARGS...]: runs PROGRAM in the test VM on a tmpfs root instead of the
# initramfs (which cannot be pivoted away, so CRIU's restore, which pivots, needs this), with
# securityfs mounted (CRIU reads the LSMs there).
set -e
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null || true
exec unshare -m /bin/sh -c '
set -e
mkdir -p /newroot
mount -t tmpfs -o mode=0755 vmroot /newroot
for d in /*; do
  case $d in
    /proc|/sys|/dev|/tmp|/run|/newroot) mkdir -p "/newroot$d" ;;
    *) cp -a "$d" /newroot/ ;;
  esac
done
mount --rbind /proc /newroot/proc
mount --rbind /sys /newroot/sys
mount --rbind /dev /newroot/dev
mount -t tmpfs -o mode=1777 vmtmp /newroot/tmp
mount -t tmpfs -o mode=0755 vmrun /newroot/run
cd /newroot
mount --move . /
exec chroot . "$@"' tmpfs-root "$@"

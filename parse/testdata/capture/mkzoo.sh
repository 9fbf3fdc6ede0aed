#!/bin/bash
# mkzoo.sh ROOT: build a directory of odd entries for listing captures.
set -e
r=$1/zoo
rm -rf "$r"; mkdir -p "$r"; cd "$r"
t() { touch -h -d "$1" "$2"; }
echo hello > file.txt;            t '2020-01-02 03:04:05 UTC' file.txt
: > empty;                          t '2019-12-31 23:59:59 UTC' empty
head -c 12345 /dev/zero > size12345; t '2021-06-15 00:00:00 UTC' size12345
truncate -s 5G sparse5g;            t '2018-07-08 09:10:11 UTC' sparse5g
mkdir dir;                          t '2017-03-04 05:06:07 UTC' dir
mkdir -p 'dir with space/sub'
echo x > setuid;   chmod 4755 setuid;   t '2016-02-29 12:00:00 UTC' setuid
echo x > setgid;   chmod 2755 setgid;   t '2016-02-29 12:00:00 UTC' setgid
echo x > setuid_nox; chmod 4644 setuid_nox
echo x > setgid_nox; chmod 2644 setgid_nox
echo x > sticky_file; chmod 1644 sticky_file
echo x > ugt_all; chmod 7777 ugt_all
echo x > ugt_none; chmod 7000 ugt_none
mkdir sticky_dir; chmod 1777 sticky_dir
mkdir sticky_nox; chmod 1770 sticky_nox
mkdir setgid_dir; chmod 2775 setgid_dir
echo x > mode000; chmod 000 mode000
echo x > mode777; chmod 777 mode777
mkfifo fifo
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' sock
mknod chardev c 1 3 || true
mknod blockdev b 7 0 || true
ln -s file.txt link
ln -s dir dirlink
ln -s missing broken
ln -s /etc/hostname abslink
ln -s 'target with space' 'link with space'
ln -s 'a -> b' arrowlink
echo x > 'with space.txt'
echo x > ' leading space'
echo x > 'trailing space '
echo x > 'two  spaces'
echo x > 'a -> b'
echo x > 'x -> y -> z'
echo x > "$(printf 'caf\xc3\xa9.txt')"
echo x > "$(printf '\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e')"
echo x > '-dash'
echo x > 'total 5'
echo x > 'Jun 15 12:00 name'
echo x > '#hash'
echo x > 'semi;colon'
echo x > 'eq=ual'
echo x > hard1; ln hard1 hard2; ln hard1 hard3
echo x > old1970;   t '1970-01-01 00:00:00 UTC' old1970
echo x > pre1970;   t '1969-12-31 23:00:00 UTC' pre1970 || true
echo x > y2038;     t '2038-01-19 03:14:08 UTC' y2038
echo x > future2040; t '2040-05-06 07:08:09 UTC' future2040
echo x > leap2024;  t '2024-02-29 10:00:00 UTC' leap2024
echo x > newyear;   t '2026-01-01 00:30:00 UTC' newyear
echo x > recent1h;  t "@$(( $(date +%s) - 3600 ))" recent1h
echo x > recent5d;  t "@$(( $(date +%s) - 5*86400 - 7 ))" recent5d
echo x > recent150d; t "@$(( $(date +%s) - 150*86400 ))" recent150d
echo x > ago200d;   t "@$(( $(date +%s) - 200*86400 ))" ago200d
echo x > future1h;  t "@$(( $(date +%s) + 3600 ))" future1h
echo x > future30d; t "@$(( $(date +%s) + 30*86400 ))" future30d
echo x > owner_root; chown root:root owner_root
echo x > owner_nobody; chown nobody:nogroup owner_nobody
echo x > owner_num; chown 4242:4343 owner_num
echo x > .hidden
cd ..; chown -R -h ftptest: zoo/file.txt zoo/dir 2>/dev/null || true

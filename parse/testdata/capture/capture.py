#!/usr/bin/python3
"""Capture LIST/MLSD/MLST output of the loopback servers into files (raw bytes)."""
import ftplib, sys, datetime, os
out = sys.argv[1]
servers = [("vsftpd", 20021), ("proftpd", 20031), ("pureftpd", 20041), ("pyftpdlib", 20051)]
os.makedirs(out, exist_ok=True)
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
def save(name, cmd, lines):
    with open(os.path.join(out, name), "wb") as f:
        f.write(("## now %s\n## source %s\n" % (now, cmd)).encode())
        for l in lines:
            f.write(l.encode("latin-1") + b"\n")
for name, port in servers:
    f = ftplib.FTP(encoding="latin-1", timeout=10)
    f.connect("127.0.0.1", port); f.login("ftptest", "ftptest")
    for cmd, tag in [("LIST -a zoo", "list-a"), ("LIST zoo", "list"), ("LIST -a", "list-root"), ("MLSD zoo", "mlsd"), ("LIST zoo/dir with space", "list-sub")]:
        lines = []
        try:
            f.retrlines(cmd, lines.append)
        except ftplib.all_errors as e:
            lines = ["## error %s" % e]
        save("%s-%s.txt" % (name, tag), "%s %s" % (name, cmd), lines)
    ml = []
    for p in ["zoo/file.txt", "zoo", "zoo/link", "zoo/with space.txt", "zoo/sparse5g", "zoo/setuid"]:
        try:
            r = f.sendcmd("MLST " + p)
            ml.append("## MLST " + p)
            ml.extend(r.split("\n"))
        except ftplib.all_errors as e:
            ml.append("## MLST %s error %s" % (p, e))
    save("%s-mlst.txt" % name, "%s MLST" % name, ml)
    # STAT dir (control connection listing)
    try:
        r = f.sendcmd("STAT zoo")
        save("%s-stat.txt" % name, "%s STAT zoo" % name, r.split("\n"))
    except ftplib.all_errors as e:
        pass
    f.quit()
